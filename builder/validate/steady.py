"""The steady load of `validate --load`: bounded traffic at the app while Postgres connections and each worker's
resident memory are sampled; three checks read the one run (errors and latency, memory growth, connections)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from docker.errors import DockerException

from builder.plan import BuildPlan, LoadPlan
from builder.report.runtime import process_memory
from builder.services.postgres import TOO_MANY, connections_in_use
from builder.validate.checks import RunningApp
from builder.validate.loadgen import LoadSummary, Traffic, send_load, summarize
from builder.validate.report import Check, skipped
from builder.validate.services import RunningService

SAMPLE_SECONDS = 0.5  # pg_stat_activity: pooled connections stay open, overflow ones come and go
MEMORY_SECONDS = 2.0  # one short Python process in the app container each time
MB = 1024 * 1024


@dataclass
class Samples:
    """What was seen while the load ran: Postgres connections in use, and each worker's resident bytes."""

    connections: list[int] = field(default_factory=list)
    full: list[str] = field(default_factory=list)  # why a sample could not connect: the cap was reached
    memory: list[dict[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class SteadyRun:
    summary: LoadSummary
    before: dict[int, int]  # worker pid -> resident bytes
    after: dict[int, int]
    samples: Samples
    log: list[str]  # the app's log lines written during the load


class LoadRun:
    """The steady load, run once; its memory and connection checks read what it saw."""

    def __init__(self, app: RunningApp, plan: BuildPlan, postgres: RunningService | None) -> None:
        self.app, self.plan, self.load, self.postgres = app, plan, plan.load, postgres
        self.steady: SteadyRun | None = None

    def steady_check(self) -> Check:
        load = self.load
        expected = (f"{load.concurrency} clients for {load.duration_seconds:g} s ({_sends(load)}): every answer "
                    f"has the status asked for, p99 <= {load.p99_ms:g} ms")
        self.steady = run = self._run_steady()
        summary = run.summary
        passed = summary.requests > 0 and summary.failed == 0 and summary.p99_ms <= load.p99_ms
        figures = {"concurrency": load.concurrency, "duration_seconds": load.duration_seconds, **asdict(summary)}
        return Check("steady load", passed, expected, summary.describe(), summary.seconds, figures=figures)

    def memory_check(self) -> Check:
        budget = self.load.memory_growth_mb
        expected = f"no worker's resident memory grows more than {budget:g} MB during the steady load"
        run = self.steady
        if run is None or not run.before:
            return skipped("memory under load", expected, "the workers' memory could not be read")
        growth, peak = _growth(run)
        figures = {"before_mb": _mb(run.before), "after_mb": _mb(run.after), "peak_mb": round(peak / MB, 1),
                   "growth_mb": round(growth / MB, 1), "budget_mb": budget}
        seen = (f"workers before {_describe(run.before)}; after {_describe(run.after)}; "
                f"largest growth {growth / MB:+.1f} MB (peak {peak / MB:.1f} MB)")
        return Check("memory under load", growth <= budget * MB, expected, seen, figures=figures)

    def connections_check(self) -> Check:
        load = self.load
        expected = (f"at most {load.connections} connections at once ({load.connection_budget}); Postgres runs "
                    f"with max_connections {load.max_connections} and refuses more with \"too many clients\"")
        run = self.steady
        if self.postgres is None or run is None:
            return skipped("connections under load", expected, "the plan has no Postgres")
        refusals = [line for line in run.log if any(words in line for words in TOO_MANY)]
        peak = max(run.samples.connections, default=0) if not run.samples.full else load.max_connections
        figures = {"peak": peak, "budget": load.connections, "max_connections": load.max_connections,
                   "samples": len(run.samples.connections) + len(run.samples.full), "refused": len(refusals)}
        seen = f"peak {peak} connections (pg_stat_activity, {figures['samples']} samples); {len(refusals)} refused"
        if refusals:
            seen += f": {refusals[0].strip()}"
        passed = not refusals and peak <= load.connections and bool(run.samples.connections)
        return Check("connections under load", passed, expected, seen, figures=figures)

    def _run_steady(self) -> SteadyRun:
        before = worker_memory(self.app, self.plan)
        since = int(time.time())
        stop = threading.Event()
        traffic = Traffic(self.app.base_url, self.load.requests, self.load.concurrency, self.load.duration_seconds,
                          host=self.app.host)
        with ThreadPoolExecutor(1) as pool:
            sampling = pool.submit(self._sample, stop, deadline=time.monotonic() + traffic.seconds * 2 + 30)
            try:
                outcomes = send_load(traffic)
            finally:
                stop.set()
            samples = sampling.result()
        after = worker_memory(self.app, self.plan)
        samples.memory.append(after)
        return SteadyRun(summarize(outcomes), before, after, samples, _log_since(self.app, since))

    def _sample(self, stop: threading.Event, *, deadline: float) -> Samples:
        samples, next_memory = Samples(), time.monotonic() + MEMORY_SECONDS
        while not stop.wait(SAMPLE_SECONDS) and time.monotonic() < deadline:
            if self.postgres is not None:
                count, why = connections_in_use(self.postgres)
                (samples.connections.append(count) if count is not None else samples.full.append(why))
            if time.monotonic() >= next_memory:
                samples.memory.append(worker_memory(self.app, self.plan))
                next_memory = time.monotonic() + MEMORY_SECONDS
        return samples


def worker_memory(app: RunningApp, plan: BuildPlan) -> dict[int, int]:
    """Each server worker's resident bytes, read from /proc inside the container by the image's own Python."""
    processes, _ = process_memory(app.docker, interpreters=(plan.runtime.python,))
    return {p.pid: p.rss_bytes for p in processes if p.role == "worker"}


def _growth(run: SteadyRun) -> tuple[int, int]:
    """The largest growth of any worker over its own start (a worker started mid-load: the smallest start), and
    the peak resident size seen."""
    floor = min(run.before.values())
    seen = [(pid, rss) for sample in run.samples.memory for pid, rss in sample.items()]
    growth = max((rss - run.before.get(pid, floor) for pid, rss in seen), default=0)
    return growth, max((rss for _, rss in seen), default=max(run.before.values()))


def _log_since(app: RunningApp, since: int) -> list[str]:
    try:
        raw: bytes = app.docker.logs(since=since)
    except DockerException as exc:
        return [f"(no log: {exc})"]
    return raw.decode(errors="replace").splitlines()


def _sends(load: LoadPlan) -> str:
    return ", ".join(f"{r.method} {r.path}" for r in load.requests)


def _mb(memory: dict[int, int]) -> dict[str, float]:
    return {str(pid): round(rss / MB, 1) for pid, rss in sorted(memory.items())}


def _describe(memory: dict[int, int]) -> str:
    return ", ".join(f"{pid}: {rss / MB:.1f} MB" for pid, rss in sorted(memory.items())) or "none"
