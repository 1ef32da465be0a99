"""app_sample's image, built for real with BuildKit: non-root, healthy, lean, and cache-friendly."""

from __future__ import annotations

import io
import re
import tarfile
import time
import uuid
from pathlib import Path
from typing import Any

from builder.build import BuildResult, build_image
from builder.plan import APP_UID, BuildPlan

Build = tuple[BuildResult, BuildPlan, Path]


def run_python(client: Any, image: str, code: str) -> str:
    out: bytes = client.containers.run(image, ["python", "-c", code], remove=True)
    return out.decode().strip()


def test_build_result_records_base_size_and_time(sample_build: Build) -> None:
    result, plan, _ = sample_build
    assert result.base.requested == plan.base.official
    assert result.base.used in (plan.base.official, plan.base.stand_in)
    assert result.base.stand_in == (result.base.used == plan.base.stand_in)
    assert result.size_bytes > 50e6
    assert sum(layer.size_bytes for layer in result.layers) <= result.size_bytes
    assert result.seconds > 0
    assert result.within_budgets, [b.describe() for b in result.budgets]


def test_image_runs_as_numeric_non_root_user(docker_client: Any, sample_build: Build) -> None:
    result = sample_build[0]
    assert docker_client.images.get(result.image_id).attrs["Config"]["User"] == f"{APP_UID}:{APP_UID}"
    assert run_python(docker_client, result.image_id, "import os; print(os.getuid(), os.getgid())") == \
        f"{APP_UID} {APP_UID}"


def test_healthcheck_reaches_healthy(docker_client: Any, sample_build: Build) -> None:
    container = docker_client.containers.run(sample_build[0].image_id, detach=True, environment={"PORT": "8123"},
                                             read_only=True, tmpfs={"/tmp": ""})
    try:
        status = ""
        for _ in range(90):
            container.reload()
            status = container.attrs["State"].get("Health", {}).get("Status", "")
            if status in ("healthy", "unhealthy") or container.status == "exited":
                break
            time.sleep(1)
        logs = container.logs(tail=20).decode(errors="replace")
        assert status == "healthy", f"health {status!r}, container {container.status}; log:\n{logs}"
    finally:
        container.remove(force=True)


def test_no_compiler_pip_or_ca_in_the_final_image(docker_client: Any, sample_build: Build,
                                                  test_ca: tuple[Path, str]) -> None:
    image = sample_build[0].image_id
    found = run_python(docker_client, image, "import shutil, importlib.util as u; "
                       "print([t for t in ('gcc','cc','g++','make','pip','pip3') if shutil.which(t)], "
                       "u.find_spec('pip') is not None)")
    assert found == "[] False"
    assert not files_containing(docker_client, image, test_ca[1].encode())


def files_containing(client: Any, image: str, needle: bytes) -> list[str]:
    """Every file in the image's filesystem whose content holds `needle`."""
    container = client.containers.create(image)
    try:
        stream = io.BytesIO(b"".join(container.export()))
    finally:
        container.remove(force=True)
    hits = []
    with tarfile.open(fileobj=stream) as tar:
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() else None
            if handle and needle in handle.read():
                hits.append(member.name)
    return hits


def test_files_containing_finds_what_is_there(docker_client: Any, sample_build: Build) -> None:
    """The CA search above can fail: it does find a line that is in the image."""
    assert "app/gunicorn.conf.py" in files_containing(docker_client, sample_build[0].image_id, b"worker_tmp_dir")


def test_code_change_reuses_the_dependency_layers(docker_client: Any, sample_build: Build) -> None:
    _, plan, root = sample_build
    module = root / "gradebook" / "probes.py"
    # A new line every run: the same change twice would find its own `COPY . /app` layer in the cache.
    module.write_text(module.read_text() + f"\n# touched by the cache test {uuid.uuid4()}\n")
    log: list[str] = []
    build_image(plan, root, docker_client, tag="builder-test/gradebook:touched", on_line=log.append)
    steps = dict(re.findall(r"^(#\d+) \[(?:builder|runtime) \d+/\d+\] (.*)$", "\n".join(log), flags=re.M))
    rebuilt = {text for step, text in steps.items() if f"{step} CACHED" not in log and not text.startswith("FROM ")}
    # app_sample has no build steps, so `COPY . /app` is the only instruction the changed file may run again.
    assert rebuilt == {"COPY . /app"}, "\n".join(log)
    assert any("uv pip install" in text for text in steps.values()), "the dependency install step is in the log"
