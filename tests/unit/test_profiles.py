"""Runtime profiles at plan and generate time: what a shell-free image cannot run is said before any build, and the
distroless and traced Dockerfiles hand the runtime stage nothing but an assembled root and the app."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from builder.build import require_inputs
from builder.errors import BuilderError, SpecError
from builder.load import load_spec
from builder.plan import BuildPlan
from builder.plan.make import make_plan
from builder.targets import artifacts_for

REPO = Path(__file__).resolve().parents[2]


def planned(app: Path, tmp_path: Path, runtime: str) -> tuple[Path, BuildPlan]:
    copy = tmp_path / app.name
    shutil.copytree(app, copy)
    spec = copy / "builder.yaml"
    spec.write_text(spec.read_text() + f"runtime:\n{runtime}")
    return copy, make_plan(load_spec(copy).spec)


def dockerfile(plan: BuildPlan) -> str:
    return next(a.text for a in artifacts_for(plan) if a.name == "Dockerfile")


def runtime_stage(text: str) -> str:
    return text.split(" AS runtime", 1)[1]


def test_slim_is_the_default_and_keeps_the_base_path() -> None:
    plan = make_plan(load_spec(REPO / "app_sample").spec)
    assert plan.runtime.profile == "slim"
    assert plan.runtime.env["PATH"] == "/opt/venv/bin:$PATH"
    assert "FROM ${PYTHON_BASE} AS runtime" in dockerfile(plan)


def test_distroless_runtime_is_scratch_with_the_assembled_root(tmp_path: Path) -> None:
    _, plan = planned(REPO / "app_sample", tmp_path, "  profile: distroless\n")
    text = dockerfile(plan)
    stage = runtime_stage(text)
    assert "FROM scratch AS runtime" in text
    assert "COPY --from=rootfs /rootfs /" in stage and "COPY --from=app /app /app" in stage
    assert "RUN " not in stage, "the runtime stage has no shell to run anything with"
    assert 'CMD ["/opt/venv/bin/python", "-c"' in stage, "the HEALTHCHECK is the interpreter, exec form"
    # scratch sets no PATH, so `$PATH` would expand to nothing and leave a trailing `:` (the working directory).
    assert "PATH=/opt/venv/bin:/usr/bin " in stage and "$PATH" not in stage
    assert "rootfs /rootfs --profile distroless" in text


def test_traced_mounts_the_trace_and_the_app_keeps_its_sources(tmp_path: Path) -> None:
    root, plan = planned(REPO / "app_sample", tmp_path, "  profile: traced\n  bytecode_only: true\n")
    (root / "builder.trace").unlink()
    text = dockerfile(plan)
    assert "--mount=type=bind,source=builder.trace,target=/tmp/builder.trace" in text
    assert "--keep /tmp/builder.trace --bytecode-only" in text
    assert "sourceless" not in text, "gunicorn.conf.py and manage.py are read by path: the app keeps its .py files"
    with pytest.raises(BuilderError) as missing:
        require_inputs(plan, root, "Dockerfile")
    assert "no builder.trace" in missing.value.message and "builder trace" in missing.value.hint


def test_build_steps_run_on_the_app_stage_that_has_a_shell(tmp_path: Path) -> None:
    _, plan = planned(REPO / "tests/golden/django-whitenoise", tmp_path, "  profile: distroless\n")
    text = dockerfile(plan)
    app_stage = text.split(" AS app", 1)[1].split(" AS runtime", 1)[0]
    assert plan.runtime.build_steps and all(step in app_stage for step in plan.runtime.build_steps)


def test_a_worker_that_needs_a_shell_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        planned(REPO / "tests/golden/flask-rq", tmp_path, "  profile: distroless\n")
    assert "runtime.profile distroless has no shell" in error.value.message
    assert "the worker process `worker` (/bin/sh -c exec rq worker --url $REDIS_URL default)" in error.value.message
    assert error.value.field == "runtime.profile" and "profile: slim" in error.value.hint


def test_a_release_at_start_on_render_needs_a_shell(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        planned(REPO / "tests/golden/flask-sqlite", tmp_path, "  profile: traced\n")
    assert "Render's dockerCommand" in error.value.message


def test_an_unknown_profile_is_a_spec_error(tmp_path: Path) -> None:
    copy = tmp_path / "app"
    shutil.copytree(REPO / "app_sample", copy)
    (copy / "builder.yaml").write_text((copy / "builder.yaml").read_text() + "runtime:\n  profile: tiny\n")
    with pytest.raises(SpecError) as error:
        load_spec(copy)
    assert "runtime.profile" in str(error.value.location()) + error.value.message


def test_writable_paths_under_the_app_are_made_on_the_app_stage(tmp_path: Path) -> None:
    _, plan = planned(REPO / "app_sample", tmp_path, "  profile: distroless\n")
    plan = replace(plan, runtime=replace(plan.runtime, writable_paths=["/app/uploads", "/data"]))
    text = dockerfile(plan)
    app_stage = text.split(" AS app", 1)[1].split(" AS runtime", 1)[0]
    assert "RUN mkdir -p /app/uploads \\\n && chown 10001:10001 /app/uploads" in app_stage
    assert "--writable /app/uploads --writable /data" in text


def test_plan_says_which_profile_and_what_it_keeps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from builder.cli import main

    root, _ = planned(REPO / "app_sample", tmp_path, "  profile: traced\n  bytecode_only: true\n")
    assert main(["--spec", str(root), "plan"]) == 0
    assert ("runtime    traced: no shell, apt or setuid; the interpreter, the files builder.trace lists, the "
            "virtualenv, bytecode only") in capsys.readouterr().out
