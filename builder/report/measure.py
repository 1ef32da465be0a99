"""measure: an image (and the spec's plan) -> Report. Size, layers, waste, packages, start-up, memory, build times.

One `docker save` gives the layers, the top-level directories and the wasted bytes; the image's own Python counts the
bytes per package; a container started on its own gives start-to-healthy and memory per worker; builds of a scratch
copy give the cold, code-change and dependency-change times. Budgets from the spec turn these into pass or fail.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.errors import ImageNotFound

from builder.build import check_budgets
from builder.containers import engine_failures
from builder.environment import app_environment
from builder.errors import BuilderError
from builder.plan import BuildPlan
from builder.report import history
from builder.report.layers import apply_layers, bytes_under, directory_sizes, read_saved_image
from builder.report.model import ImageMeasurement, RebuildTimes, Report, Startup
from builder.report.packages import measure_packages
from builder.report.rebuilds import scratch_copy, timed_rebuilds
from builder.report.runtime import measure_startup
from builder.report.shrink import measure_shrink
from builder.services import service

NEVER = float("inf")  # the start-up time of an app that never answered, so a start budget fails
Progress = Callable[[str], None]
# Where an app started on its own is told its services are: nothing listens there.


@dataclass(frozen=True)
class ReportOptions:
    """What to measure beyond the image itself, and where the history is."""

    start: bool = True
    rebuild_root: Path | None = None  # the app directory to time rebuilds of (a scratch copy is changed, not it)
    dockerfile: str | None = None  # None: the plan's
    ca_cert: Path | None = None
    history_file: Path | None = None


def measure_image(client: Any, image: str) -> tuple[ImageMeasurement, list[str]]:
    """Where the bytes of `image` go; notes say what could not be measured and why."""
    try:
        found = client.images.get(image)
    except ImageNotFound:
        raise BuilderError(f"image {image} not found",
                           hint="build it with `builder build`, or name an existing image with --image") from None
    filesystem = apply_layers(read_saved_image(found.save(named=False)))
    packages, why = measure_packages(client, found.id)
    venv = bytes_under(filesystem.visible, packages.prefix) if packages and packages.virtualenv else None
    shrink = measure_shrink(client, found.id, packages.prefix) if packages and packages.virtualenv else []
    measurement = ImageMeasurement(image, str(found.id), int(found.attrs["Size"]), filesystem.layers,
                                   directory_sizes(filesystem.visible), filesystem.waste, packages, venv, shrink)
    return measurement, [why] if why else []


def make_report(plan: BuildPlan, client: Any, *, image: str, options: ReportOptions,
                on_progress: Progress | None = None) -> Report:
    """Measure `image` and set it against the spec's budgets and the previous build in the history."""
    progress = on_progress or (lambda _line: None)
    dockerfile = options.dockerfile or plan.images[0].filename
    if options.rebuild_root and not (options.rebuild_root / dockerfile).is_file():
        raise BuilderError(f"no {dockerfile} in {options.rebuild_root} to time builds of",
                           hint="run `builder generate` first, or leave out --rebuilds")
    with engine_failures(f"measuring {image}", retry="builder report"):
        progress(f"reading the layers and packages of {image}")
        measurement, notes = measure_image(client, image)
        startup = _startup(plan, client, measurement.image_id, progress) if options.start else None
        rebuilds = _rebuilds(plan, client, options, progress) if options.rebuild_root else None
    path = options.history_file or history.history_file(plan.app_name)
    entries, unreadable = history.load(path)
    this, previous = history.this_and_previous(entries, measurement.image_id)
    build_seconds = this.build_seconds if this else None
    notes += _notes(startup, this, previous, unreadable, path, timed=rebuilds is not None,
                    recorded=[e for e in entries if e.tag == image])
    budgets = check_budgets(plan.budgets, size_bytes=measurement.size_bytes,
                            seconds=rebuilds.cold_seconds if rebuilds else build_seconds,
                            start_seconds=None if startup is None else startup.start_to_healthy_seconds or NEVER)
    deltas = history.deltas(_as_entry(plan, measurement, build_seconds), previous) if previous else []
    return Report(plan.app_name, history.now(), measurement, startup, rebuilds, build_seconds, budgets, deltas,
                  previous.image_id if previous else None, history.trend(entries), notes)


def _as_entry(plan: BuildPlan, measurement: ImageMeasurement, build_seconds: float | None) -> history.HistoryEntry:
    """This measurement in the history's terms, to compare with an earlier build."""
    layers = [{"created_by": layer.created_by, "size_bytes": layer.size_bytes} for layer in measurement.layers]
    return history.HistoryEntry(history.now(), plan.app_name, measurement.image, measurement.image_id,
                                measurement.size_bytes, build_seconds, layers,
                                history.package_sizes(measurement.packages))


def _startup(plan: BuildPlan, client: Any, image_id: str, progress: Progress) -> Startup:
    progress(f"starting the image alone and asking {plan.runtime.healthcheck.path} until it answers")
    return measure_startup(client, image_id, port=plan.images[0].port, probe=plan.runtime.healthcheck.path,
                           env=standalone_env(plan))


def standalone_env(plan: BuildPlan) -> dict[str, str]:
    """The plan's environment for an app started without its services: validation's, with service URLs that point
    at nothing (liveness must not need them; an app that reads them at import still starts)."""
    unreachable = {s.kind: service(s.kind).unreachable_url for s in plan.services}
    return app_environment(plan, unreachable, port=plan.images[0].port)


def _rebuilds(plan: BuildPlan, client: Any, options: ReportOptions, progress: Progress) -> RebuildTimes:
    assert options.rebuild_root is not None
    progress("timing a cold build, a one-line code change and a dependency change, on a scratch copy of the app")
    with ExitStack() as stack:
        copy = stack.enter_context(scratch_copy(options.rebuild_root))
        builds = stack.enter_context(timed_rebuilds(plan, copy, client, tag=f"builder-report/{plan.app_name}:timing",
                                                    dockerfile=options.dockerfile, ca_cert=options.ca_cert))
        return builds.times


def _notes(startup: Startup | None, this: history.HistoryEntry | None, previous: history.HistoryEntry | None,
           unreadable: int, path: Path, *, timed: bool, recorded: list[history.HistoryEntry]) -> list[str]:
    notes = []
    if startup and startup.error:
        notes.append(startup.error)
    if this is None and not timed:
        # The history may hold builds of the same tag (the chart shows them) while this image is none of them.
        others = f" ({len(recorded)} earlier build(s) of the tag are, and the chart shows them)" if recorded else ""
        notes.append(f"this image's build is not recorded in {path}{others}, so its build time is unknown: build it "
                     "with `builder build` to record it, or pass --rebuilds to time builds now")
    if previous is None:
        notes.append("no earlier build in the history to compare with")
    if unreadable:
        notes.append(f"{unreadable} line(s) of {path} could not be read and were skipped")
    return notes
