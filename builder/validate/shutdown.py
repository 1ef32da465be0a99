"""The two load checks that end requests on purpose: one slower than server.timeout, and a SIGTERM mid-traffic."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from builder.containers import wait_for_exit
from builder.plan import BuildPlan, SmokePlan
from builder.validate.checks import SIGTERM_MARGIN, RunningApp
from builder.validate.loadgen import Outcome, Traffic, send_alone, send_load, summarize
from builder.validate.report import Check, skipped
from builder.validate.steady import worker_memory

WARM_UP = 1.0  # seconds of traffic before the signal, so requests are in flight when it lands
SLOW_GRACE = 15.0  # past the slow request's own length, before the client gives up on it
REPLACE_TIMEOUT = 20.0  # for gunicorn to start a worker in place of a killed one
EARLY = 1.0  # a cut this long before server.timeout is not the timeout's doing


def worker_timeout(app: RunningApp, plan: BuildPlan) -> Check:
    """A request slower than server.timeout ends as the worker class makes it end; the others meanwhile succeed."""
    probe, timeout, outcome_wanted = plan.load.timeout_probe, plan.server.timeout, plan.load.slow_request
    expected = _timeout_expected(plan)
    if probe is None:
        return skipped("worker timeout", expected, "load.timeout_probe names no request slower than server.timeout")
    before = _workers(app, plan)
    stop = threading.Event()
    others = Traffic(app.base_url, plan.load.requests, max(1, plan.load.concurrency // 4),
                     seconds=timeout + SLOW_GRACE * 2, stop=stop, host=app.host)
    with ThreadPoolExecutor(1) as pool:
        background = pool.submit(send_load, others)
        try:
            slow = send_alone(app.base_url, SmokePlan("GET", probe, None, 200, None), timeout=timeout + SLOW_GRACE * 2,
                              host=app.host)
        finally:
            stop.set()
        summary = summarize(background.result())
    after = _workers_back(app, plan, count=len(before))
    cut = (slow.status is None or slow.status >= 500) and slow.seconds >= timeout - EARLY
    finished = slow.status == 200 and slow.seconds >= timeout
    replaced = bool(set(before) - set(after))
    ended_right = {"cut": cut and replaced, "finishes": finished}.get(outcome_wanted, cut or finished)
    passed = ended_right and summary.failed == 0 and len(after) == len(before) > 0
    figures = {"timeout_seconds": timeout, "slow_outcome": slow.kind, "slow_seconds": round(slow.seconds, 1),
               "cut": cut, "workers_before": before, "workers_after": after, "others": summary.requests,
               "others_failed": summary.failed, "others_errors": summary.errors}
    seen = (f"GET {probe}: {slow.kind} after {slow.seconds:.1f} s; workers {before} -> {after}; others: "
            f"{summary.describe()}")
    return Check("worker timeout", passed, expected, seen, slow.seconds, figures=figures)


def _timeout_expected(plan: BuildPlan) -> str:
    timeout, worker = plan.server.timeout, plan.server.worker_class
    others = "the other requests meanwhile all succeed and every worker is there afterwards"
    return {
        "cut": f"a GET slower than server.timeout {timeout} s is cut off at about {timeout} s and its {worker} "
               f"worker replaced; {others}",
        "finishes": f"a GET slower than server.timeout {timeout} s runs to its end ({worker} workers keep beating "
                    f"while a request runs, so the timeout cuts no request); {others}",
    }.get(plan.load.slow_request, f"a GET slower than server.timeout {timeout} s either ends or is cut; {others}")


def sigterm_under_load(app: RunningApp, plan: BuildPlan) -> Check:
    """SIGTERM in mid-traffic: every request sent before it is answered, and the app exits 0 within its grace."""
    grace, signal = plan.server.graceful_timeout, plan.runtime.stop_signal
    expected = (f"{signal} after {WARM_UP:g} s of {plan.load.concurrency} clients: every request in flight then is "
                f"answered as asked, exit 0 within graceful_timeout {grace} s")
    stop = threading.Event()
    traffic = Traffic(app.base_url, plan.load.requests, plan.load.concurrency,
                      seconds=WARM_UP + grace + SIGTERM_MARGIN, stop=stop, host=app.host)
    with ThreadPoolExecutor(1) as pool:
        load = pool.submit(send_load, traffic)
        try:
            time.sleep(WARM_UP)
            signalled = time.monotonic()  # before the engine call, so "sent before" errs towards counting
            app.docker.kill(signal=signal)
            code = wait_for_exit(app.docker, timeout=grace + SIGTERM_MARGIN)
            took = time.monotonic() - signalled
        finally:
            stop.set()
        outcomes = load.result()
    if code is None:
        app.docker.kill()  # what the platform does when the shutdown delay runs out
    figures = _shutdown_figures(outcomes, signalled, code=code, seconds=took)
    passed = code == 0 and took <= grace and figures["in_flight_failed"] == 0
    return Check("SIGTERM under load", passed, expected, _shutdown_seen(figures, signal), took, figures=figures)


def _shutdown_figures(outcomes: list[Outcome], signalled: float, *, code: int | None, seconds: float) -> dict[str, Any]:
    before = [o for o in outcomes if o.reached < signalled]
    after = [o for o in outcomes if o.reached >= signalled]
    in_flight = [o for o in before if o.ended > signalled]
    failed = [o for o in in_flight if not o.ok]
    return {
        "sent_before": len(before), "in_flight": len(in_flight),
        "in_flight_failed": len(failed), "failed_kinds": summarize(failed).errors,
        "refused_after": sum(o.error == "refused" for o in after), "answered_after": sum(o.ok for o in after),
        "dropped_after": sum(not o.ok and o.error != "refused" for o in after),
        "exit_code": code, "exit_seconds": round(seconds, 1),
    }


def _shutdown_seen(figures: dict[str, Any], signal: str) -> str:
    kinds = ", ".join(f"{n} x {kind}" for kind, n in sorted(figures["failed_kinds"].items()))
    ended = (f"exit {figures['exit_code']} after {figures['exit_seconds']:.1f} s" if figures["exit_code"] is not None
             else f"still running {figures['exit_seconds']:.1f} s after {signal}; killed it")
    return (f"{ended}; {figures['in_flight_failed']} of {figures['in_flight']} requests in flight at {signal} "
            f"failed{f' ({kinds})' if kinds else ''}; after it: "
            f"{figures['refused_after']} refused, {figures['answered_after']} answered, "
            f"{figures['dropped_after']} dropped")


def _workers(app: RunningApp, plan: BuildPlan) -> list[int]:
    return sorted(worker_memory(app, plan))


def _workers_back(app: RunningApp, plan: BuildPlan, *, count: int) -> list[int]:
    """The workers once there are `count` again (a killed one replaced), or as they are when the wait runs out."""
    deadline = time.monotonic() + REPLACE_TIMEOUT
    while len(workers := _workers(app, plan)) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    return workers
