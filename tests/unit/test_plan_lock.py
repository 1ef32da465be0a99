"""The plan installs from the lock with hashes enforced, and adds what the lock's source builds need."""

from __future__ import annotations

from builder.lock.lockfile import LockFacts
from builder.plan.make import make_plan
from builder.spec import AppSpec
from builder.targets import artifacts_for

SPEC = {"name": "reports", "app": {"module": "reports.wsgi:app"}, "health": {"liveness": "/health"},
        "system_packages": {"build": ["git"], "runtime": ["tzdata"]}}


def spec(**dependencies: object) -> AppSpec:
    return AppSpec.model_validate({**SPEC, "dependencies": dependencies})


def dockerfile(plan_spec: AppSpec, lock: LockFacts | None = None) -> str:
    return next(a.text for a in artifacts_for(make_plan(plan_spec, lock=lock)) if a.name == "Dockerfile")


def test_the_lock_is_the_bind_mounted_install_input_with_hashes_required() -> None:
    plan = make_plan(spec(lock="deps.lock"))
    assert plan.builder.requirements == "deps.lock"
    text = dockerfile(spec(lock="deps.lock"))
    assert "--mount=type=bind,source=deps.lock,target=/tmp/requirements.lock" in text
    assert "uv pip install --python /opt/venv/bin/python --require-hashes" in text
    assert "-r /tmp/requirements.lock" in text


def test_pip_fallback_requires_hashes_too() -> None:
    text = dockerfile(spec(installer="pip"))
    assert "/opt/venv/bin/pip install --require-hashes -r /tmp/requirements.lock" in text


def test_source_builds_add_system_packages_to_the_right_stage() -> None:
    facts = LockFacts("requirements.lock", ("gcc", "libc6-dev", "libpq-dev"), ("libpq5",), ("psycopg2==2.9.10",))
    plan = make_plan(spec(), lock=facts)
    assert plan.builder.system_packages == ["gcc", "git", "libc6-dev", "libpq-dev"]
    assert plan.runtime.system_packages == ["libpq5", "tzdata"]
    assert plan.builder.source_builds == ["psycopg2==2.9.10"]
    builder_stage, runtime_stage = dockerfile(spec(), facts).split("AS runtime")
    assert "install -y --no-install-recommends gcc git libc6-dev libpq-dev" in builder_stage
    assert "# Built from source here (no wheel for this Python and platform): psycopg2==2.9.10." in builder_stage
    assert "install -y --no-install-recommends libpq5 tzdata" in runtime_stage
    assert "gcc" not in runtime_stage


def test_without_a_lock_record_the_spec_alone_decides() -> None:
    plan = make_plan(spec())
    assert (plan.builder.system_packages, plan.runtime.system_packages) == (["git"], ["tzdata"])
    assert plan.builder.source_builds == []
