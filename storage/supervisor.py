"""One home's local servers (the S3 server, Prefect's API), shared by every process of that home.

The first process that needs a server starts a small supervising process for it (``python -m
storage.supervisor``) that runs the server as its child and stops it once no process has used it
for ``idle_seconds``, or at ``sohoa stop``. A user holds a shared lock on ``run/<name>.users``
while it uses the server; the kernel drops the lock when the user exits or is killed, so a
finished or killed command never stops a server another still uses, and never keeps one up.
Starting and stopping both happen under ``run/<name>.start``, so they cannot cross.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from storage.errors import ServiceInUse, ServicePortsBusy, ServiceStartFailed, StorageError

POLL_S = 0.25
PORT_WAIT_S = 15.0
STOP_WAIT_S = 20.0
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Service:
    """What the supervisor runs: the server's command, and where users reach it."""

    name: str
    argv: list[str]
    address: str
    ports: list[int]
    idle_seconds: float
    log_dir: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "."
    port_setting: str = ""  # what moves its ports elsewhere, named when they are taken


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _supervising(pid: int) -> bool:
    """Whether ``pid`` is a live supervisor (not a dead one's number given to another process)."""
    try:
        return b"storage.supervisor" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write(path: Path, data: dict) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def _running(state_path: Path) -> dict | None:
    """The state of the service's live supervisor, if one is running."""
    state = _read(state_path)
    return state if state is not None and _supervising(state["pid"]) else None


def _try_lock(fd: IO, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def _locked(path: Path) -> Iterator[IO]:
    with open(path, "a+") as fd:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd


def _paths(run_dir: Path, name: str) -> dict[str, Path]:
    return {k: run_dir / f"{name}.{k}" for k in ("start", "users", "json", "spec", "failed")}


def _spawn(run_dir: Path, service: Service) -> subprocess.Popen:
    paths = _paths(run_dir, service.name)
    paths["failed"].unlink(missing_ok=True)
    _write(paths["spec"], asdict(service))
    Path(service.log_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(service.log_dir) / f"{service.name}.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "storage.supervisor", str(paths["spec"])],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, close_fds=True,
                                cwd=Path(__file__).resolve().parent.parent)
    # Known at once (the caller holds the start lock): no other process starts a second one
    # before this one has its server running; the supervisor adds its child's pid.
    _write(paths["json"], {"pid": proc.pid, "child": None, "address": service.address})
    return proc


def _failure(run_dir: Path, service: Service, why_en: str) -> StorageError:
    """Why a server did not start: its supervisor's own finding, else what was seen here."""
    failed = _read(_paths(run_dir, service.name)["failed"])
    if failed:
        return ServicePortsBusy(**failed)
    return ServiceStartFailed(service=service.name, why=why_en,
                              log=Path(service.log_dir) / f"{service.name}.log")


@contextmanager
def lease(run_dir: Path, service: Service, ready: Callable[[str], bool],
          timeout: float) -> Iterator[str]:
    """The address of the home's running ``service``, started if need be, kept up while held."""
    run_dir.mkdir(parents=True, exist_ok=True)
    paths = _paths(run_dir, service.name)
    users = open(paths["users"], "a+")  # noqa: SIM115 - held for the whole lease
    try:
        with _locked(paths["start"]):
            spawned: subprocess.Popen | None = None
            deadline = time.monotonic() + timeout
            while True:
                state = _running(paths["json"])
                if state is not None and ready(state["address"]):
                    break
                if state is None:
                    if spawned is not None:  # the one this started has gone: it failed
                        raise _failure(run_dir, service, "stopped while starting")
                    spawned = _spawn(run_dir, service)
                if time.monotonic() > deadline:
                    raise _failure(run_dir, service, f"did not answer within {timeout:.0f} s")
                time.sleep(POLL_S)
            fcntl.flock(users, fcntl.LOCK_SH)
        yield state["address"]
    finally:
        users.close()


def start(run_dir: Path, service: Service) -> None:
    """Start the home's ``service`` if it is not running, without waiting for it: a command
    that will need two servers starts both at once (a lease then waits for it)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    paths = _paths(run_dir, service.name)
    with _locked(paths["start"]):
        if _running(paths["json"]) is None:
            _spawn(run_dir, service)


def stop(run_dir: Path, name: str, wait: float) -> bool:
    """Stop the home's ``name`` server once its current users are done; False if none ran.

    New users wait on the start lock meanwhile, and start a fresh server afterwards."""
    paths = _paths(run_dir, name)
    if not paths["json"].exists():
        return False
    with _locked(paths["start"]), open(paths["users"], "a+") as users:
        deadline = time.monotonic() + wait
        while not _try_lock(users, fcntl.LOCK_EX):
            if time.monotonic() > deadline:
                raise ServiceInUse(name=name, wait=wait)
            time.sleep(POLL_S)
        state = _running(paths["json"])
        if state is None:
            paths["json"].unlink(missing_ok=True)
            return False
        os.kill(state["pid"], signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT_S + 5
        while _supervising(state["pid"]) and time.monotonic() < deadline:
            time.sleep(POLL_S)
        paths["json"].unlink(missing_ok=True)
    return True


# --- the supervising process -------------------------------------------------------------

def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def end_process(child: subprocess.Popen, wait_s: float = STOP_WAIT_S) -> None:
    """SIGTERM, then SIGKILL if it has not ended within ``wait_s``; waited for either way."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(wait_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _supervise(spec_path: Path) -> int:
    service = Service(**json.loads(spec_path.read_text()))
    run_dir = spec_path.parent
    paths = _paths(run_dir, service.name)
    deadline = time.monotonic() + PORT_WAIT_S  # a server of a killed supervisor may be closing
    while busy := [p for p in service.ports if not port_free(p)]:
        if time.monotonic() > deadline:
            _write(paths["failed"], {"service": service.name, "ports": busy,  # ServicePortsBusy
                                     "setting": service.port_setting or "its port"})
            _forget(paths["json"])
            return 1
        time.sleep(POLL_S)
    log = open(Path(service.log_dir) / f"{service.name}.log", "ab")  # noqa: SIM115
    child = subprocess.Popen(service.argv, stdin=subprocess.DEVNULL, stdout=log,
                             stderr=subprocess.STDOUT, cwd=service.cwd,
                             env={**os.environ, **service.env}, preexec_fn=_die_with_parent)
    stopping = False

    def on_term(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    deadline = time.monotonic() + PORT_WAIT_S  # the launcher's record of this supervisor first,
    while (_read(paths["json"]) or {}).get("pid") != os.getpid() \
            and time.monotonic() < deadline:  # else it would overwrite the child's pid with none
        time.sleep(POLL_S)
    _write(paths["json"], {"pid": os.getpid(), "child": child.pid, "address": service.address})
    last_used = time.monotonic()
    with open(paths["users"], "a+") as users, open(paths["start"], "a+") as start:
        while not stopping and child.poll() is None:
            time.sleep(POLL_S)
            if not _try_lock(users, fcntl.LOCK_EX):
                last_used = time.monotonic()
                continue
            fcntl.flock(users, fcntl.LOCK_UN)
            if time.monotonic() - last_used < service.idle_seconds:
                continue
            if _try_lock(start, fcntl.LOCK_EX):  # no one is starting to use it: stop, then let go
                if _try_lock(users, fcntl.LOCK_EX):
                    break
                fcntl.flock(start, fcntl.LOCK_UN)
        end_process(child)
        _forget(paths["json"])
    return 0


def _forget(state_path: Path) -> None:
    """Remove the state file if it is this supervisor's (a newer one may have replaced it)."""
    state = _read(state_path)
    if state and state["pid"] == os.getpid():
        state_path.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(_supervise(Path(sys.argv[1])))
