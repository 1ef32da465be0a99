"""The fresh-runner benchmark: app_sample built cold and pushed to a local registry, then, with every local image of
it removed and the BuildKit cache pruned (what a new CI runner has), rebuilt after a one-line code change with the
registry image as cache (`builder ci`'s build step). Prints the medians and the ratio to the cold build.

    .venv/bin/python bench/registry_cache.py [--reps 3] [--out FILE]    # `make bench-registry`

It prunes the engine's whole BuildKit cache each repetition, as a fresh runner has none: other builds on the same
engine lose their cache too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SYSTEM_CA = Path("/etc/ssl/certs/ca-certificates.crt")  # as the Makefile passes it, for TLS-intercepting proxies
sys.path.insert(0, str(REPO / "tests" / "integration"))  # the tests' registry runner: one copy of that code

from local_registry import local_registry  # noqa: E402

from builder.build import CA_ENV, BuildCache, build_image  # noqa: E402
from builder.engine import engine_client, find_buildkit_cli  # noqa: E402
from builder.project import load_project  # noqa: E402
from builder.registry import Registry, registry_for  # noqa: E402


def fresh_runner(client: Any, repository: str) -> None:
    """No image of the app and no BuildKit cache, as on a new CI machine."""
    for image_id in {image.id for image in client.images.list(name=repository)}:
        client.images.remove(image_id, force=True)
    subprocess.run(["docker", "builder", "prune", "--all", "--force"], check=True, capture_output=True, timeout=600)


def unique_lock(root: Path, run: str) -> None:
    """A lock comment unique to the run (the pins and `lock --check` unchanged): the dependency layer's input is then
    new, so the cold build is cold even where other builds of app_sample left their layers."""
    lock = root / "requirements.lock"
    lines = lock.read_text().splitlines(keepends=True)
    lines[3] = f"# bench run {run}\n"
    lock.write_text("".join(lines))


def one_rep(client: Any, registry: Registry, repository: str, rep: int, ca_cert: Path | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="builder-bench-registry-") as tmp:
        root = Path(tmp) / "app"
        shutil.copytree(REPO / "app_sample", root, ignore=shutil.ignore_patterns("__pycache__", "builder-ci"))
        unique_lock(root, f"{time.time_ns()}")
        plan = load_project(root).plan
        ref = f"{repository}:rep{rep}"
        fresh_runner(client, repository)
        cold = build_image(plan, root, client, tag=ref, ca_cert=ca_cert, cache=BuildCache(inline=True))
        registry.push(ref)
        fresh_runner(client, repository)
        wsgi = root / "gradebook" / "wsgi.py"
        wsgi.write_text(wsgi.read_text() + f"# bench rep {rep}\n")
        started = time.monotonic()
        present, _ = registry.pull_cache([ref])
        pulled = time.monotonic() - started
        again = build_image(plan, root, client, tag=ref, ca_cert=ca_cert,
                            cache=BuildCache(tuple(present), inline=True, docker_config=registry.config_dir))
    total = pulled + again.seconds
    return {"cold_s": cold.seconds, "pull_s": pulled, "rebuild_s": again.seconds, "total_s": total,
            "ratio": total / cold.seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    args = parser.parse_args(argv)
    ca = Path(os.environ[CA_ENV]) if os.environ.get(CA_ENV) else SYSTEM_CA if SYSTEM_CA.is_file() else None
    samples = []
    with engine_client() as client, local_registry() as address:
        repository = f"{address}/bench-gradebook"
        with registry_for(repository, find_buildkit_cli().path) as registry:
            for rep in range(args.reps):
                print(f"rep {rep + 1} of {args.reps}", file=sys.stderr, flush=True)
                samples.append(one_rep(client, registry, repository, rep, ca))
    table = markdown(samples)
    print(table)
    if args.out:
        args.out.write_text(table + "\n")
    return 0


def markdown(samples: list[dict[str, float]]) -> str:
    rows = [("cold build (fresh runner, no cache)", "cold_s", "s"), ("pull of the cache image", "pull_s", "s"),
            ("rebuild after a one-line code change, registry cache", "rebuild_s", "s"),
            ("pull + rebuild", "total_s", "s"), ("pull + rebuild / cold", "ratio", "x")]
    lines = [f"registry-cache rebuild on a fresh runner, median of {len(samples)}", "", "| measure | median |",
             "| --- | ---: |"]
    lines += [f"| {label} | {statistics.median(s[key] for s in samples):.2f} {unit} |" for label, key, unit in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
