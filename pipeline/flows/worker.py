"""Prefect's process worker, run so that SIGTERM stops it.

``prefect worker start`` (Prefect 3.8.8) forwards SIGTERM and SIGINT to itself as SIGINT and
then keeps polling: only SIGKILL ended it, so every ``systemctl stop``, every ``sohoa serve``
shutdown and every test waited out its grace time. Here the same worker class runs in this
process, and either signal cancels it; a run it cuts short is scheduled again as for a
worker that died (its heartbeats stop; the zombie automation).

Prefect's worker looks for runs only every ``PREFECT_WORKER_QUERY_SECONDS`` (10 s): one
whose runs are all taken (``--limit``) sat idle until then after each run, while runs waited
for it (on average half the interval, a third of a 15-s dossier), and an idle one let a new
dossier wait as long. Polling every second instead costs the Prefect server 42 ms of CPU per
poll and worker (its queues' "last polled" written each time). This one looks as soon as one
of its runs ends, and while it could take a run asks every ``PEEK_SECONDS`` how many wait (a
count: 8 ms), polling only when one does.

    python -m pipeline.flows.worker POOL [--limit N] [--name NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from datetime import datetime, timedelta, timezone

from prefect.client.schemas.filters import (
    FlowRunFilter, FlowRunFilterNextScheduledStartTime, FlowRunFilterState,
    FlowRunFilterStateType, WorkPoolFilter, WorkPoolFilterName, WorkQueueFilter,
    WorkQueueFilterName)
from prefect.client.schemas.objects import StateType
from prefect.workers.process import ProcessWorker

PEEK_SECONDS = 1.0


class PromptWorker(ProcessWorker):
    """Prefect's process worker that takes its next run when one of its runs ends, and a new
    one within a second while it has room. It hooks ``_submit_run_and_capture_errors`` and
    reads the pool, queues, prefetch and limiter the worker keeps, all private to Prefect 3.8's
    worker (pinned); the test of a worker that polls every 120 s fails if they change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ended, self._looking = asyncio.Event(), asyncio.Lock()

    async def get_and_submit_flow_runs(self):
        async with self._looking:  # its own poll and the prompt one never take a run twice
            return await super().get_and_submit_flow_runs()

    async def _submit_run_and_capture_errors(self, flow_run, task_status=None):
        try:
            return await super()._submit_run_and_capture_errors(flow_run, task_status)
        finally:
            self.ended.set()

    async def peek(self) -> None:
        """While a run could be taken, look every ``PEEK_SECONDS`` whether one waits."""
        while True:
            await asyncio.sleep(PEEK_SECONDS)
            if not self._has_successfully_synced or (
                    self._limiter is not None and self._limiter.available_tokens < 1):
                continue
            try:
                if await self._waiting():
                    await self.get_and_submit_flow_runs()
            except Exception:  # the regular poll tries again, with Prefect's backoff
                logging.getLogger(__name__).warning("looking for waiting runs failed",
                                                    exc_info=True)

    async def _waiting(self) -> int:
        """Runs of this worker's pool (and queues) scheduled to start by now and the prefetch."""
        before = datetime.now(timezone.utc) + timedelta(seconds=self._prefetch_seconds)
        queues = list(self._work_queues)
        return await self.client.count_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                next_scheduled_start_time=FlowRunFilterNextScheduledStartTime(before_=before)),
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[self._work_pool_name])),
            work_queue_filter=WorkQueueFilter(name=WorkQueueFilterName(any_=queues))
            if queues else None)

    async def take_next(self) -> None:
        """Each time a run ends, look for the next one at once."""
        while True:
            await self.ended.wait()
            self.ended.clear()
            try:
                await self.get_and_submit_flow_runs()
            except Exception:  # the regular poll tries again, with Prefect's backoff
                logging.getLogger(__name__).warning("looking for the next run failed",
                                                    exc_info=True)


async def serve(pool: str, limit: int | None, name: str | None) -> None:
    """Take ``pool``'s flow runs, ``limit`` at once, until SIGTERM or SIGINT."""
    task, loop = asyncio.current_task(), asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    worker = PromptWorker(work_pool_name=pool, limit=limit, name=name)
    helpers = [asyncio.create_task(worker.take_next()), asyncio.create_task(worker.peek())]
    try:
        await worker.start()
    except asyncio.CancelledError:
        print(f"Worker {worker.name!r} stopped.", flush=True)
    finally:
        for helper in helpers:
            helper.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pool")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--name")
    args = parser.parse_args()
    asyncio.run(serve(args.pool, args.limit, args.name))


if __name__ == "__main__":
    main()
