"""Running distinct checks in parallel: a local pool of worker processes, or a Dask cluster.

The local pool is our own, not `concurrent.futures`: a check that overruns its hard time limit
(a C loop the in-process deadline cannot interrupt, a memory blow-up) gets its worker killed
and replaced; that one answer becomes ``invalid`` and the batch goes on. Workers receive
chunks of jobs and send each verdict back as soon as it is made, so a killed worker loses
only the answer it was on; the rest of its chunk is handed out again.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from multiprocessing.connection import wait
from typing import Callable, Iterable, Iterator

from nablagrade.grade.model import Job

HARD_LIMIT = 20.0  # seconds per answer before its worker is killed (the checker stops at 2 s)
MEMORY_LIMIT = 2 * 1024 ** 3  # bytes of address space per worker
CHUNK = 16


def run_job(job: Job) -> dict:
    """Check one job; the verdict as JSON. Never raises: a failure is an invalid verdict."""
    import nablagrade.check.kinds  # noqa: F401  (registers the checkers)
    from nablagrade.check.api import check
    from nablagrade.check.verdict import invalid

    try:
        verdict = check(job.problem, job.part, job.answer, dict(job.params), layout=job.layout)
    except MemoryError:
        verdict = invalid("limit", "Checking this answer needed too much memory.")
    except Exception as err:  # a checker bug must not stop the batch: report it on the answer
        verdict = invalid("internal-error", f"the checker failed: {type(err).__name__}: {err}")
    return verdict.to_json()


def killed_verdict(seconds: float) -> dict:
    from nablagrade.check.verdict import invalid

    return invalid("limit", f"Checking this answer took longer than {seconds:g} s and was "
                            f"stopped.").to_json()


def _worker(conn, memory_limit: int):
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    except (ImportError, ValueError, OSError):
        pass
    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        if chunk is None:
            return
        for index, job in chunk:
            conn.send(("start", index))
            conn.send(("done", index, run_job(job)))
        conn.send(("idle",))


class _Worker:
    def __init__(self, ctx, memory_limit):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, memory_limit), daemon=True)
        self.process.start()
        child.close()
        self.pending: list = []  # (index, job) not yet done
        self.current: int | None = None
        self.started = 0.0

    def give(self, chunk):
        self.pending = list(chunk)
        self.conn.send(self.pending)

    def kill(self):
        self.process.kill()
        self.process.join()
        self.conn.close()


def run_local(jobs: list[Job], workers: int | None = None, *, hard_limit: float = HARD_LIMIT,
              memory_limit: int = MEMORY_LIMIT, progress: Callable[[int], None] | None = None,
              ) -> Iterator[tuple[int, dict]]:
    """Yield (index into ``jobs``, verdict JSON) as checks finish, in any order."""
    if not jobs:
        return
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    ctx = mp.get_context("fork" if sys.platform != "win32" else "spawn")
    todo = list(enumerate(jobs))
    todo.reverse()  # pop() from the end hands out jobs in order
    pool = [_Worker(ctx, memory_limit) for _ in range(workers)]
    idle = list(pool)
    done = 0
    try:
        while done < len(jobs):
            while idle and todo:
                w = idle.pop()
                w.give([todo.pop() for _ in range(min(CHUNK, len(todo)))])
            busy = [w for w in pool if w not in idle]
            ready = wait([w.conn for w in busy], timeout=0.5)
            for w in busy:
                if w.conn in ready:
                    for message in _drain(w):
                        if message[0] == "start":
                            w.current, w.started = message[1], time.monotonic()
                        elif message[0] == "done":
                            w.pending = [p for p in w.pending if p[0] != message[1]]
                            w.current = None
                            done += 1
                            if progress:
                                progress(done)
                            yield message[1], message[2]
                        elif message[0] == "idle":
                            idle.append(w)
                if w in idle:
                    continue
                overdue = w.current is not None and time.monotonic() - w.started > hard_limit
                if overdue or not w.process.is_alive():
                    index = w.current
                    todo.extend(p for p in reversed(w.pending) if p[0] != index)
                    w.kill()
                    replacement = _Worker(ctx, memory_limit)
                    pool[pool.index(w)] = replacement
                    idle.append(replacement)
                    if index is not None:
                        done += 1
                        if progress:
                            progress(done)
                        yield index, killed_verdict(hard_limit)
    finally:
        for w in pool:
            try:
                w.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            w.kill()


def _drain(w: _Worker) -> list:
    out = []
    try:
        while w.conn.poll():
            out.append(w.conn.recv())
    except (EOFError, OSError):
        pass
    return out


def run_dask(jobs: list[Job], address: str, *, progress: Callable[[int], None] | None = None,
             ) -> Iterator[tuple[int, dict]]:
    """Yield (index, verdict JSON) from a Dask cluster at ``address`` (``tcp://host:8786``)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        from nablagrade.errors import UsageError

        raise UsageError("--scheduler needs dask.distributed: pip install 'nablagrade[dask]'") \
            from None
    with Client(address) as client:
        futures = {client.submit(run_job, job, pure=False): i for i, job in enumerate(jobs)}
        for n, future in enumerate(as_completed(futures), 1):
            if progress:
                progress(n)
            yield futures[future], future.result()


def run_jobs(jobs: list[Job], *, workers: int | None = None, scheduler: str | None = None,
             progress: Callable[[int], None] | None = None) -> Iterable[tuple[int, dict]]:
    if scheduler:
        return run_dask(jobs, scheduler, progress=progress)
    return run_local(jobs, workers, progress=progress)
