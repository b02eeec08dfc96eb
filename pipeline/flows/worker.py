"""Prefect's process worker, run so that SIGTERM stops it.

``prefect worker start`` (Prefect 3.8.8) forwards SIGTERM and SIGINT to itself as SIGINT and
then keeps polling: only SIGKILL ended it, so every ``systemctl stop``, every ``sohoa serve``
shutdown and every test waited out its grace time. Here the same worker class runs in this
process, and either signal cancels it; a run it cuts short is scheduled again as for a
worker that died (its heartbeats stop; the zombie automation).

    python -m pipeline.flows.worker POOL [--limit N] [--name NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import signal


async def serve(pool: str, limit: int | None, name: str | None) -> None:
    """Take ``pool``'s flow runs, ``limit`` at once, until SIGTERM or SIGINT."""
    from prefect.workers.process import ProcessWorker

    task, loop = asyncio.current_task(), asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    worker = ProcessWorker(work_pool_name=pool, limit=limit, name=name)
    try:
        await worker.start()
    except asyncio.CancelledError:
        print(f"Worker {worker.name!r} stopped.", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pool")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--name")
    args = parser.parse_args()
    asyncio.run(serve(args.pool, args.limit, args.name))


if __name__ == "__main__":
    main()
