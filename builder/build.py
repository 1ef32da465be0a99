"""build: BuildPlan + files on disk -> Image, through BuildKit; then measure it against the spec's budgets."""

from __future__ import annotations

import os
import ssl
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from builder.bases import ResolvedBase, resolve_base
from builder.engine import find_buildkit_cli
from builder.errors import BuilderError, BuildFailed
from builder.plan import BuildPlan
from builder.registry import without_credentials

CA_ENV = "BUILDER_CA_CERT"
LOG_TAIL = 30


@dataclass(frozen=True)
class Layer:
    created_by: str
    size_bytes: int


@dataclass(frozen=True)
class BudgetCheck:
    name: str
    limit: float
    measured: float
    unit: str

    @property
    def passed(self) -> bool:
        return self.measured <= self.limit

    def describe(self) -> str:
        verdict = "within" if self.passed else "OVER"
        return f"{self.name}: {self.measured:.1f} {self.unit} {verdict} budget {self.limit:g} {self.unit}"


@dataclass(frozen=True)
class BuildResult:
    app: str
    tag: str
    image_id: str
    dockerfile: str
    base: ResolvedBase
    buildkit: str
    seconds: float
    size_bytes: int
    layers: list[Layer]
    budgets: list[BudgetCheck] = field(default_factory=list)

    @property
    def within_budgets(self) -> bool:
        return all(b.passed for b in self.budgets)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["size_mb"] = round(self.size_bytes / 1e6, 1)
        data["within_budgets"] = self.within_budgets
        for check, raw in zip(self.budgets, data["budgets"], strict=True):
            raw["passed"] = check.passed
        return data


@dataclass(frozen=True)
class BuildCache:
    """Images whose layers the build may reuse (pulled from a registry), and whether to record inline cache
    metadata in this image so the next build, on another machine, can reuse its layers in turn."""

    sources: tuple[str, ...] = ()
    inline: bool = False
    docker_config: Path | None = None  # registry credentials for the CLI (see builder.registry)

    def argv(self) -> list[str]:
        argv = [arg for source in self.sources for arg in ("--cache-from", source)]
        return argv + (["--build-arg", "BUILDKIT_INLINE_CACHE=1"] if self.inline else [])


def build_image(plan: BuildPlan, root: Path, client: Any, *, tag: str | None = None,
                dockerfile: str | None = None, ca_cert: Path | None = None, cache: BuildCache | None = None,
                on_line: Callable[[str], None] | None = None, stage: str | None = None) -> BuildResult:
    """Build the image for `plan` from the files in `root` (the plan's Dockerfile unless told another), measure it
    and check the budgets."""
    dockerfile = dockerfile or plan.images[0].filename
    cache = cache or BuildCache()
    require_inputs(plan, root, dockerfile, whole_image=stage is None)
    cli = find_buildkit_cli()
    base = resolve_base(client, plan.base)
    tag = tag or f"{plan.app_name}:latest"
    with ca_bundle(ca_cert or _ca_from_env()) as secret, tempfile.TemporaryDirectory() as tmp:
        iidfile = Path(tmp) / "iid"
        argv = [*cli.build_argv(), "--progress=plain", "-f", str(root / dockerfile), "-t", tag,
                "--build-arg", f"PYTHON_BASE={base.used}", *_image_args(plan, client), "--iidfile", str(iidfile)]
        argv += ["--target", stage] if stage else []
        if secret:
            argv += ["--secret", f"id=ca_bundle,src={secret}"]
        if index := _index_from_env(Path(tmp)):
            argv += ["--secret", f"id=index_url,src={index}"]
        env = without_credentials(cli.env()) | ({"DOCKER_CONFIG": str(cache.docker_config)} if cache.docker_config
                                               else {})
        seconds = _run_build([*argv, *cache.argv(), str(root)], env, app=plan.app_name, on_line=on_line)
        image_id = iidfile.read_text().strip()
    size, layers = measure_image(client, image_id)
    return BuildResult(
        app=plan.app_name, tag=tag, image_id=image_id, dockerfile=dockerfile, base=base,
        buildkit=cli.describe(), seconds=round(seconds, 2), size_bytes=size, layers=layers,
        budgets=check_budgets(plan.budgets, size_bytes=size, seconds=seconds),
    )


def _image_args(plan: BuildPlan, client: Any) -> list[str]:
    """The build arguments naming the other images the Dockerfile starts stages from (official, or stand-ins)."""
    images = {"UV_IMAGE": plan.builder.install.image}
    return [arg for name, image in images.items() if image
            for arg in ("--build-arg", f"{name}={resolve_base(client, image).used}")]


def require_inputs(plan: BuildPlan, root: Path, dockerfile: str, *, whole_image: bool = True) -> None:
    """Say what is missing in builder's words, before BuildKit says it as "failed to compute cache key"."""
    if not (root / dockerfile).is_file():
        raise BuilderError(f"building image {plan.app_name}: no {dockerfile} in {root}",
                           hint="run `builder generate` first", file=root / dockerfile)
    if not (root / plan.builder.requirements).is_file():
        raise BuilderError(f"building image {plan.app_name}: no {plan.builder.requirements} in {root}",
                           hint="run `builder lock` to pin the dependencies the image installs",
                           file=root / plan.builder.requirements)
    trace = plan.runtime.trace_file
    if whole_image and plan.runtime.profile == "traced" and not (root / trace).is_file():
        raise BuilderError(f"building image {plan.app_name}: runtime.profile traced keeps only the files {trace} "
                           f"lists, and there is no {trace} in {root}",
                           hint="run `builder trace` (it validates the slim image while recording what the app uses, "
                                "then writes the list), and commit the file", file=root / trace)


def measure_image(client: Any, image: str) -> tuple[int, list[Layer]]:
    """Total size and the size each Dockerfile instruction added, oldest first."""
    attrs = client.images.get(image)
    history = attrs.history()
    layers = [Layer(h.get("CreatedBy", "")[:200], int(h.get("Size", 0))) for h in reversed(history)]
    return int(attrs.attrs["Size"]), layers


def check_budgets(budgets: dict[str, float], *, size_bytes: int, seconds: float | None,
                  start_seconds: float | None = None) -> list[BudgetCheck]:
    """Each budget the spec sets against what was measured; a budget with nothing measured for it is left out."""
    measured: dict[str, tuple[float | None, str]] = {
        "image_mb": (size_bytes / 1e6, "MB"), "build_seconds": (seconds, "s"), "start_seconds": (start_seconds, "s")}
    checks = []
    for name, limit in budgets.items():
        value, unit = measured.get(name, (None, ""))
        if value is not None:
            checks.append(BudgetCheck(name, limit, value, unit))
    return checks


def _run_build(argv: list[str], env: dict[str, str], *, app: str, on_line: Callable[[str], None] | None) -> float:
    tail: deque[str] = deque(maxlen=LOG_TAIL)
    started = time.monotonic()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip())
            if on_line:
                on_line(line.rstrip())
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise BuildFailed(f"building image {app}: docker build exited {proc.returncode}\n  | "
                          + "\n  | ".join(tail), hint="the lines above are the end of the build log; "
                          "fix the failing step (a missing system package, a typo in requirements) and build again")
    return seconds


def _index_from_env(folder: Path) -> Path | None:
    """A private index (with its credentials) for the install step, as a file only the build's secret reads.

    `builder lock` resolved against the same index (builder.lock.network); the URL never enters a layer or the lock.
    """
    from builder.lock.network import INDEX_ENV, index_access

    if not os.environ.get(INDEX_ENV):
        return None
    with index_access(ca_cert=None, environ={k: v for k, v in os.environ.items() if k != CA_ENV}) as access:
        secret = folder / "index_url"
        secret.write_text(access.url_with_credentials() + "\n")
    secret.chmod(0o600)
    return secret


def _ca_from_env() -> Path | None:
    value = os.environ.get(CA_ENV)
    return Path(value) if value else None


@contextmanager
def ca_bundle(extra: Path | None) -> Iterator[Path | None]:
    """The host's trusted roots plus the extra CA, in a temp file the build reads as a secret; removed afterwards."""
    if extra is None:
        yield None
        return
    if not extra.is_file():
        raise BuilderError(f"CA bundle {extra} not found", hint=f"pass --ca-cert with a PEM file, or unset {CA_ENV}")
    system = ssl.get_default_verify_paths().cafile
    parts = [Path(system).read_text()] if system and Path(system).is_file() else []
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as bundle:
        bundle.write("\n".join([*parts, extra.read_text()]))
    try:
        yield Path(bundle.name)
    finally:
        Path(bundle.name).unlink(missing_ok=True)
