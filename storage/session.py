"""Open the archive: the configured S3 endpoint (or the home's shared local SeaweedFS) and the
catalogue together, made consistent (a crashed run repaired) before anything uses them; or the
object store alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from pipeline.settings import Settings
from storage.archive import Archive
from storage.catalogue import Catalogue
from storage.objects import ObjectStore, server_side_encryption
from storage.reconcile import reconcile
from storage.seaweedfs import S3Endpoint, local_seaweedfs


def object_store(settings: Settings, endpoint: S3Endpoint) -> ObjectStore:
    """The configured bucket on ``endpoint`` (another process's store: ``ObjectStore.s3``)."""
    return ObjectStore(endpoint, settings.bucket, settings.s3_region, settings.retention_years,
                       settings.retention_mode,
                       server_side_encryption(settings.s3_encryption, settings.s3_kms_key))


@contextmanager
def open_store(settings: Settings) -> Iterator[ObjectStore]:
    """The configured S3 endpoint's bucket, or the home's shared local SeaweedFS's, alone: for
    a host that only puts objects (a signing token's), with no catalogue to reach."""
    with ExitStack() as stack:
        if settings.s3_endpoint:
            endpoint = S3Endpoint(settings.s3_endpoint, settings.s3_access_key or "",
                                  settings.s3_secret_key.get_secret_value()
                                  if settings.s3_secret_key else "", settings.s3_secure)
        else:
            endpoint = stack.enter_context(local_seaweedfs(settings))
        store = object_store(settings, endpoint)
        store.ensure_bucket()
        yield store


@contextmanager
def open_archive(settings: Settings) -> Iterator[Archive]:
    """The configured S3 endpoint, or the home's shared local SeaweedFS, and the catalogue."""
    with ExitStack() as stack:
        store = stack.enter_context(open_store(settings))
        catalogue = Catalogue(settings.catalogue_url)
        stack.callback(catalogue.dispose)
        archive = Archive(store, catalogue)
        archive.reconciled = reconcile(archive)
        yield archive
