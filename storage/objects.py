"""S3 object store through the ``minio`` SDK (SeaweedFS locally, MinIO in production)."""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import urllib3
from minio import Minio
from minio.commonconfig import GOVERNANCE
from minio.error import S3Error
from minio.retention import Retention
from minio.sse import Sse, SseKMS, SseS3

from storage.errors import (BucketUnavailable, EncryptionNeedsTls, KmsKeyMissing, S3Failed,
                            S3Unreachable)
from storage.keys import object_class, object_url
from storage.seaweedfs import S3Endpoint

SHA_META = "sha256"


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    version_id: str | None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def server_side_encryption(kind: str, kms_key: str | None = None) -> Sse | None:
    """The SDK's encryption for the ``s3_encryption`` setting: none, SSE-S3 or SSE-KMS."""
    if kind == "SSE-S3":
        return SseS3()
    if kind == "SSE-KMS":
        if not kms_key:
            raise KmsKeyMissing()
        return SseKMS(kms_key, {})
    return None


def _unreachable(method: Callable) -> Callable:
    """A store operation whose server is down, unreachable or failing raises one StorageError
    naming the endpoint, not the HTTP client's own exception."""
    @functools.wraps(method)
    def guarded(self: ObjectStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise S3Unreachable(endpoint=self.endpoint, kind=type(exc).__name__) from exc
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound", "NoSuchVersion"):
                raise
            raise S3Failed(s3_code=exc.code, detail=exc.message) from exc
    return guarded


def _guarded(cls: type) -> type:
    for name, value in list(vars(cls).items()):
        if callable(value) and not name.startswith("_"):
            setattr(cls, name, _unreachable(value))
    return cls


@_guarded
class ObjectStore:
    """One bucket, versioned and object-locked, holding every archived object."""

    def __init__(self, endpoint: S3Endpoint, bucket: str, region: str | None = None,
                 retention_years: dict[str, int] | None = None, retention_mode: str = GOVERNANCE,
                 sse: Sse | None = None):
        if sse is not None and sse.tls_required() and not endpoint.secure:
            raise EncryptionNeedsTls()
        self.bucket, self.s3 = bucket, endpoint
        self.sse = sse
        self.client = Minio(endpoint.endpoint, endpoint.access_key, endpoint.secret_key,
                            secure=endpoint.secure, region=region)
        self.retention_years = retention_years or {}
        self.retention_mode = retention_mode

    @property
    def endpoint(self) -> str:
        """The server's host and port, as errors name it."""
        return self.s3.endpoint

    def ensure_bucket(self) -> None:
        """The bucket, made (versioned, object-locked) by the first process that finds none."""
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket, object_lock=True)
        except S3Error as exc:
            if exc.code == "BucketAlreadyOwnedByYou":  # another process made it meanwhile
                return
            raise BucketUnavailable(bucket=self.bucket, s3_code=exc.code) from exc

    def url(self, key: str) -> str:
        return object_url(self.bucket, key)

    def key(self, url: str) -> str:
        """The key an :meth:`url` names."""
        return url.removeprefix(f"s3://{self.bucket}/")

    def put(self, key: str, data: bytes, content_type: str,
            metadata: dict[str, str] | None = None) -> StoredObject:
        """Store a new version of ``key``, locked for its class's retention period if one is set."""
        digest = sha256_hex(data)
        meta = {SHA_META: digest, **(metadata or {})}
        years = self.retention_years.get(object_class(key))
        retention = Retention(self.retention_mode, datetime.now(timezone.utc).replace(
            microsecond=0) + timedelta(days=round(365.25 * years))) if years else None
        result = self.client.put_object(self.bucket, key, io.BytesIO(data), len(data),
                                        content_type=content_type, metadata=meta,
                                        retention=retention, sse=self.sse)
        return StoredObject(key, digest, len(data), result.version_id)

    def presigned_url(self, key: str, lifetime: timedelta) -> str:
        """A link that downloads ``key`` without credentials until ``lifetime`` has passed."""
        return self.client.presigned_get_object(self.bucket, key, expires=lifetime)

    def set_legal_hold(self, key: str, on: bool) -> None:
        """Legal hold on the latest version of ``key``: it cannot be deleted while on."""
        (self.client.enable_object_legal_hold if on else self.client.disable_object_legal_hold)(
            self.bucket, key)

    def put_once(self, key: str, data: bytes, content_type: str,
                 metadata: dict[str, str] | None = None) -> StoredObject:
        """Store unless an object with the same sha256 is already at ``key``."""
        digest = sha256_hex(data)
        existing = self.stored_sha256(key)
        if existing == digest:
            return StoredObject(key, digest, len(data), None)
        return self.put(key, data, content_type, metadata)

    def stored_sha256(self, key: str) -> str | None:
        try:
            stat = self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return None
            raise
        return stat.metadata.get(f"x-amz-meta-{SHA_META}")

    def keys(self, prefix: str) -> list[str]:
        """The keys (latest versions) under ``prefix``."""
        return [o.object_name for o in self.client.list_objects(self.bucket, prefix=prefix,
                                                                recursive=True)]

    def versions_since(self, prefix: str, since: datetime) -> list[tuple[str, str]]:
        """(key, version id) of every version written under ``prefix`` at or after ``since``."""
        return [(o.object_name, o.version_id)
                for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True,
                                                  include_version=True)
                if o.last_modified is not None and o.last_modified >= since
                and not o.is_delete_marker]

    def metadata(self, key: str, version_id: str) -> dict[str, str]:
        """A version's own metadata (``x-amz-meta-`` left off the names)."""
        stat = self.client.stat_object(self.bucket, key, version_id=version_id)
        return {k.lower().removeprefix("x-amz-meta-"): v for k, v in stat.metadata.items()
                if k.lower().startswith("x-amz-meta-")}

    def delete_version(self, key: str, version_id: str) -> None:
        self.client.remove_object(self.bucket, key, version_id=version_id)

    def get_if_present(self, key: str) -> bytes | None:
        try:
            return self.get(key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return None
            raise

    def get(self, key: str) -> bytes:
        response = self.client.get_object(self.bucket, key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()
