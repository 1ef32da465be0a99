"""The benchmark: app_sample built three ways, in alternation, N times; medians and ratios against builder's.

(a) naive: the tutorial Dockerfile (full base with compilers, `COPY . .` before the install, root, no HEALTHCHECK)
(b) init:  a single-stage slim Dockerfile in the style of `docker init` (cache mount, non-root, no HEALTHCHECK)
(c) builder: the Dockerfile builder generates for app_sample (runtime.profile slim, the default)
(d) (e) (f): builder's with runtime.profile distroless, traced, and traced with bytecode only (app_sample/builder.trace)

Each repetition builds every variant cold (no layer cached), again after a one-line code change, and again after a
dependency change, then starts the cold image and times it to the first 2xx on /health. hadolint with the project's
configuration counts lint findings once per Dockerfile.

    .venv/bin/python bench/bench.py            # 5 repetitions, writes bench/results.md (`make bench`)
    .venv/bin/python bench/bench.py --quick    # 1 repetition, prints only (CI runs this so it cannot rot)
    .venv/bin/python bench/bench.py --lock     # `builder lock` cold and warm on app_sample and the lock corpus
    .venv/bin/python bench/bench.py --init     # `builder init` on each intake corpus app (no engine needed)
    .venv/bin/python bench/bench.py --load     # also (c) through `builder validate --load`, its figures appended
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# bench/summary.py: python puts the folder of the script it runs on sys.path.
from summary import Sample, Variant, render_markdown, render_text
from underload import load_markdown, measure_load

from builder.bases import BaseImage, full_python_base, resolve_base
from builder.build import CA_ENV, build_image
from builder.cli import terminate_as_interrupt
from builder.dockerfile import read_dockerfile
from builder.errors import BuilderError
from builder.generate import write_artifacts
from builder.plan import BuildPlan
from builder.project import load_project
from builder.quality.hadolint import hadolint
from builder.report.rebuilds import timed_rebuilds
from builder.report.runtime import measure_startup
from builder.standins import build_stand_in
from builder.targets import artifacts_for
from builder.uv_image import build_uv_stand_in
from builder.validate.runner import validate_image

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SAMPLE = REPO / "app_sample"
CORPUS = REPO / "tests" / "intake"
INIT_BUDGET_S = 1.0  # issue 11: init takes under a second on each app
STAND_INS = Path.home() / ".cache" / "builder" / "bases"
PORT = 8000  # (a) and (b) bind it on the command line; (c) reads it from PORT


VARIANTS = (
    Variant("a", "(a) naive", HERE / "Dockerfile.naive", None, full_base=True),
    Variant("b", "(b) docker init", HERE / "Dockerfile.init", HERE / "dockerignore.init", full_base=False),
    Variant("c", "(c) builder", None, None, full_base=False, profile="slim"),
    Variant("d", "(d) distroless", None, None, full_base=False, profile="distroless"),
    Variant("e", "(e) traced", None, None, full_base=False, profile="traced"),
    Variant("f", "(f) traced, bytecode only", None, None, full_base=False, profile="traced", bytecode_only=True),
)
METRICS = (  # (key, label, unit)
    ("size_mb", "image size", "MB"),
    ("cold_s", "cold build (no layer cached)", "s"),
    ("code_s", "rebuild after a one-line code change", "s"),
    ("deps_s", "rebuild after a dependency change", "s"),
    ("start_s", "start to healthy (first 2xx on /health)", "s"),
)


METHOD = (
    "Cold: no layer of the Dockerfile is cached. Each repetition declares a build argument with a value unique to"
    " the run in every stage (builder.report.rebuilds.timing_dockerfile), so every RUN misses the cache, and the two"
    " rebuilds that follow reuse only what that cold build made (`--no-cache` would file second results under the"
    " keys ordinary builds use). BuildKit cache mounts are kept: (b)'s pip cache and (c)'s uv cache hold the"
    " downloaded wheels after the first run, while (a), which has none, downloads every wheel each time. That is what"
    " each Dockerfile gives a team on a warm machine; on a fresh CI runner all three download.",
    "Code change: one comment line appended to gradebook/wsgi.py, then a build with the cache. Dependency change:"
    " one small pinned package (iniconfig) appended to the file the image installs from, with a comment unique to"
    " the run so that no earlier layer matches: requirements.txt for (a) and (b), builder's hash-checked"
    " requirements.lock for (c) (with the package's PyPI hashes, as `builder lock` would write it; the time of"
    " `builder lock` itself is not counted).",
    "Build times run from the start of `docker build` to its end (the image exported to the engine), as"
    " `builder build` reports them. PyPI downloads ran at 100-280 MB/s on this machine (pip's progress lines), so"
    " the network costs little here; on a slower link every cold and dependency build takes longer, and so does"
    " (a)'s code-change rebuild, which downloads everything again.",
    "Start to healthy: from `docker start` to the first 2xx on /health, asked every 50 ms from the host through a"
    " published port. The engine's own HEALTHCHECK status (only (c) has one) is not waited for: Docker first runs it"
    " one interval after the start.",
    "Lint: hadolint with dockerfiles/hadolint.yaml (DL3057, HEALTHCHECK missing, turned on), as `builder lint` runs"
    " it.",
    "Bases: no registry is reachable on this machine, so the bases are builder's local stand-ins built from Debian"
    " packages (see the machine table). The full stand-in for (a) is smaller than the official python:3.11-bookworm"
    " (about 750 MB against 1.02 GB), which flatters (a)'s size.",
)


@dataclass(frozen=True)
class Setup:
    """What every repetition shares: the plan per variant, the workspaces, the CA."""

    plans: dict[str, BuildPlan]
    workspaces: dict[str, Path]
    bases: dict[str, str]  # variant -> base image used
    ca_cert: Path | None


LOCK_CORPUS = REPO / "tests" / "fixtures" / "lock" / "corpus"


def lock_timings(apps: list[Path] | None = None) -> list[dict[str, Any]]:
    """`builder lock` seconds per app: cold (empty uv cache and wheel-size cache), then warm (both kept).

    Each app is locked in a scratch copy, so the checkout's locks are never rewritten. No engine needed.
    """
    import time

    from builder.lock.make import make_lock
    from builder.lock.network import index_access

    apps = apps or [SAMPLE, *sorted(p for p in LOCK_CORPUS.iterdir() if (p / "builder.yaml").is_file())]
    rows = []
    for app in apps:
        with tempfile.TemporaryDirectory(prefix="bench-lock-") as tmp:
            root = Path(tmp) / app.name
            shutil.copytree(app, root, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
            project = load_project(root)
            seconds = []
            os.environ["UV_CACHE_DIR"] = str(Path(tmp) / "uv-cache")
            try:
                for _ in ("cold", "warm"):
                    started = time.monotonic()
                    with index_access(ca_cert=None) as access:
                        result = make_lock(project.spec, root, cache_dir=Path(tmp) / "cache", access=access)
                    seconds.append(round(time.monotonic() - started, 2))
            finally:
                os.environ.pop("UV_CACHE_DIR", None)
            rows.append({"app": app.name, "pins": len(result.pins), "cold_s": seconds[0], "warm_s": seconds[1]})
    return rows


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.init:
        timings = init_timings(reps=args.reps)
        print(render_init_timings(timings))
        return 0 if all(t["cpu_median_s"] < INIT_BUDGET_S for t in timings.values()) else 1
    from builder.engine import engine_client

    if args.lock:
        rows = lock_timings()
        print(f"{'app':<18} {'pins':>4} {'cold s':>7} {'warm s':>7}")
        print("\n".join(f"{r['app']:<18} {r['pins']:>4} {r['cold_s']:>7.1f} {r['warm_s']:>7.1f}" for r in rows))
        return 0

    reps = 1 if args.quick else args.reps
    out = args.out if args.out is not None else (None if args.quick else HERE / "results.md")
    try:
        with terminate_as_interrupt(), engine_client() as client, workspaces() as folders:
            setup = prepare(client, folders, ca_cert=args.ca_cert)
            lint = {v.key: lint_findings(setup.workspaces[v.key] / "Dockerfile") for v in VARIANTS}
            samples = [run_variant(client, setup, variant, rep) for rep in range(reps) for variant in rotated(rep)]
            # --quick keeps CI's check of the harness short; the integration tests validate each profile anyway.
            validated = {} if args.quick else {v.key: validation(client, setup, v) for v in VARIANTS if v.profile}
            machine = describe_machine(client, setup)
            under_load = load_markdown(measure_load(client, SAMPLE, ca_cert=args.ca_cert)) if args.load else ""
    except BuilderError as exc:
        print(f"error: {exc.message}\n  hint: {exc.hint}", file=sys.stderr)
        return 2
    print(render_text(samples, lint, VARIANTS, METRICS, validated))
    print(under_load, end="")
    if out:
        results = render_markdown(samples, lint, VARIANTS, METRICS, machine=machine, reps=reps, notes=METHOD,
                                  validated=validated)
        out.write_text(results + ("\n" + under_load if under_load else ""))
        print(f"wrote {out}")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--quick", action="store_true", help="one repetition; writes no file unless --out is given")
    parser.add_argument("--lock", action="store_true", help="time `builder lock` cold and warm instead of builds")
    parser.add_argument("--out", type=Path, help="where to write the Markdown results (default bench/results.md)")
    parser.add_argument("--init", action="store_true", help="time `builder init` on each intake corpus app instead")
    parser.add_argument("--load", action="store_true",
                        help="also run (c) through `builder validate --load` and record its figures")
    parser.add_argument("--ca-cert", type=Path, default=Path(os.environ[CA_ENV]) if os.environ.get(CA_ENV) else None,
                        help=f"extra CA for TLS-intercepting proxies (default ${CA_ENV})")
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    return args


def init_timings(*, reps: int = 5) -> dict[str, dict[str, float]]:
    """`builder init` on each corpus app, each run on a fresh copy: the whole command as a user runs it (a new
    Python process: start-up, imports, reading the app, writing builder.yaml; wall and CPU time), and the init
    stage alone in this process (scan, detectors, the spec composed and checked, written). The first run of each
    warms the disk cache and this process's imports and is not counted."""
    results = {}
    for app in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        with tempfile.TemporaryDirectory(prefix="builder-bench-init-") as tmp:
            runs = [_init_once(app, Path(tmp) / str(rep)) for rep in range(reps + 1)][1:]
        wall, cpu, stage = zip(*runs, strict=True)
        results[app.name] = {"wall_median_s": statistics.median(wall), "wall_max_s": max(wall),
                             "cpu_median_s": statistics.median(cpu), "stage_median_s": statistics.median(stage)}
    return results


def _init_once(app: Path, folder: Path) -> tuple[float, float, float]:
    """(the command's wall time, its CPU time, the in-process stage's wall time)."""
    from builder.intake.propose import propose, write

    shutil.copytree(app, folder / "cli")
    shutil.copytree(app, folder / "stage")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "builder", "init", str(folder / "cli")], check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    started = time.perf_counter()
    write(propose(folder / "stage"), force=False)
    return wall, cpu, time.perf_counter() - started


def render_init_timings(timings: dict[str, dict[str, float]]) -> str:
    lines = [f"{'app':<20} {'wall median':>12} {'wall max':>9} {'CPU median':>11} {'stage median':>13}"]
    for name, t in timings.items():
        lines.append(f"{name:<20} {t['wall_median_s']:>10.3f} s {t['wall_max_s']:>7.3f} s "
                     f"{t['cpu_median_s']:>9.3f} s {t['stage_median_s'] * 1000:>10.1f} ms")
    # The budget is judged on CPU time: on a shared machine the wall clock also counts what other processes cost.
    cpu, wall = (max(t[key] for t in timings.values()) for key in ("cpu_median_s", "wall_median_s"))
    verdict = "within" if cpu < INIT_BUDGET_S else "OVER"
    return "\n".join([*lines, f"slowest: {cpu:.3f} s CPU, {wall:.3f} s wall (medians): {verdict} the "
                               f"{INIT_BUDGET_S:.0f} s budget"])


def rotated(rep: int) -> tuple[Variant, ...]:
    """a b c, then b c a, then c a b: each variant takes each place in turn, so drift in load falls on all."""
    shift = rep % len(VARIANTS)
    return VARIANTS[shift:] + VARIANTS[:shift]


@contextmanager
def workspaces() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="builder-bench-") as tmp:
        yield Path(tmp)


def prepare(client: Any, folder: Path, *, ca_cert: Path | None) -> Setup:
    """One pristine app directory per variant, and the base each builds on (stand-ins built when missing)."""
    plan = load_project(SAMPLE).plan
    generated = {artifact.name for artifact in artifacts_for(plan)} | {"builder.yaml"}
    plans, spaces, bases = {}, {}, {}
    for variant in VARIANTS:
        base = full_python_base(plan.python_version) if variant.full_base else plan.base
        bases[variant.key] = _ensure_base(client, base)
        spaces[variant.key] = _workspace(folder / variant.key, variant, generated)
        # builder's variants are planned from their own spec (their profile); (a) and (b) only borrow the plan.
        plans[variant.key] = load_project(spaces[variant.key]).plan if variant.profile else replace(plan, base=base)
    if plan.builder.install.image:
        build_uv_stand_in(client, plan.builder.install.image, cache_dir=STAND_INS)
    return Setup(plans, spaces, bases, ca_cert)


def _ensure_base(client: Any, image: BaseImage) -> str:
    try:
        return resolve_base(client, image).used
    except BuilderError:
        build_stand_in(client, image, "python", cache_dir=STAND_INS)
        return resolve_base(client, image).used


def _workspace(target: Path, variant: Variant, generated: set[str]) -> Path:
    """(c) gets app_sample as it is; (a) and (b) get its sources without builder's files, plus their own."""
    if variant.dockerfile is None:
        shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("__pycache__"))
        if variant.profile != "slim":
            spec = target / "builder.yaml"
            spec.write_text(spec.read_text() + f"runtime:\n  profile: {variant.profile}\n"
                            f"  bytecode_only: {str(variant.bytecode_only).lower()}\n")
            project = load_project(target)
            write_artifacts(target, artifacts_for(project.plan), spec=project.spec_path)
        return target
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", *generated))
    shutil.copy(variant.dockerfile, target / "Dockerfile")
    if variant.dockerignore:
        shutil.copy(variant.dockerignore, target / ".dockerignore")
    return target


def run_variant(client: Any, setup: Setup, variant: Variant, rep: int) -> Sample:
    """One repetition of one variant, on a fresh copy of its workspace."""
    print(f"rep {rep + 1}: {variant.title}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix=f"builder-bench-{variant.key}-") as tmp:
        root = Path(tmp) / "app"
        shutil.copytree(setup.workspaces[variant.key], root)
        # (a) and (b) install requirements.txt, as such Dockerfiles do; (c) installs builder's lock.
        with timed_rebuilds(setup.plans[variant.key], root, client, tag=f"builder-bench/{variant.key}:rep{rep}",
                            ca_cert=setup.ca_cert, marker=f"bench rep {rep}",
                            requirements_file="requirements.txt" if variant.dockerfile else None) as builds:
            startup = measure_startup(client, builds.cold.image_id, port=PORT, probe="/health", healthcheck=False,
                                      memory=False)
    if startup.start_to_healthy_seconds is None:
        raise BuilderError(f"{variant.title} never answered /health: {startup.error}",
                           hint="the variant's Dockerfile or the app is broken; build it by hand to see")
    times = builds.times
    return Sample(variant.key, rep, {"size_mb": builds.cold.size_bytes / 1e6, "cold_s": times.cold_seconds,
                                     "code_s": times.code_change_seconds, "deps_s": times.dependency_change_seconds,
                                     "start_s": startup.start_to_healthy_seconds})


def validation(client: Any, setup: Setup, variant: Variant) -> str:
    """`builder validate` (every check: release, probes, smoke, outages, SIGTERM) on a build of the variant."""
    print(f"validating {variant.title}", file=sys.stderr, flush=True)
    plan, root = setup.plans[variant.key], setup.workspaces[variant.key]
    built = build_image(plan, root, client, tag=f"builder-bench/{variant.key}:validate", ca_cert=setup.ca_cert)
    try:
        report = validate_image(plan, built.tag, client)
    finally:
        client.images.remove(built.tag, noprune=False)
    failed = [c.name for c in report.checks if c.failed]
    skipped = sum(1 for c in report.checks if c.skipped)
    counted = f"{len(report.checks)} checks, {skipped} skipped, {built.size_bytes / 1e6:.1f} MB image"
    return f"passed ({counted})" if report.passed and not failed else f"failed {', '.join(failed)} ({counted})"


def lint_findings(dockerfile: Path) -> list[str]:
    """hadolint's findings for one Dockerfile, with dockerfiles/hadolint.yaml, as `builder lint` runs it."""
    findings = hadolint([(read_dockerfile(dockerfile), dockerfile.name)])
    return [f"{f.id} (line {f.line}): {f.message}" for f in sorted(findings, key=lambda f: (f.line or 0, f.id))]


def describe_machine(client: Any, setup: Setup) -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), "unknown CPU")
    memory_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                      if line.startswith("MemTotal")), 0)
    engine = client.version()
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores", "memory": f"{memory_kb / 1024 / 1024:.0f} GB",
        "kernel": os.uname().release, "engine": f"Docker {engine.get('Version', '?')}",
        **{f"base {key}": f"{base} ({client.images.get(base).attrs['Size'] / 1e6:.0f} MB)"
           for key, base in setup.bases.items()},
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(main())
