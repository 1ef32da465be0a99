"""One list of runtime security settings, two readers: validate's container and the Kubernetes pod.

Every field of the plan's RuntimeSecurity changes both what validate runs the image with and the manifests; and
every security field the manifests (or validate's docker options) carry comes from one of them. So a setting
validate proved cannot go missing from the manifests, and the manifests claim nothing validate did not run with.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from builder.plan.model import BuildPlan, RuntimeSecurity
from builder.project import load_project
from builder.targets import kubernetes_pods as pods
from builder.validate.app import run_options

SAMPLE = Path(__file__).resolve().parents[2] / "app_sample"
# One change per field, each away from the safe default; where validate applies it, and the Kubernetes field.
CHANGES: dict[str, tuple[Any, str, str]] = {
    "uid": (0, "non-root user check", "runAsUser, runAsNonRoot"),
    "gid": (10002, "non-root user check", "runAsGroup"),
    "read_only_root": (False, "read_only", "readOnlyRootFilesystem"),
    "tmpfs": (["/tmp", "/run"], "tmpfs", "volumes: emptyDir medium Memory"),
    "drop_capabilities": (["NET_RAW"], "cap_drop", "capabilities.drop"),
    "no_new_privileges": (False, "security_opt no-new-privileges", "allowPrivilegeEscalation"),
    "seccomp": ("Unconfined", "security_opt seccomp", "seccompProfile"),
}


@pytest.fixture(scope="module")
def plan() -> BuildPlan:
    return load_project(SAMPLE).plan


def validate_view(security: RuntimeSecurity) -> dict[str, Any]:
    """What validate holds the app container to: its docker options, and the uid and gid the user check expects
    (builder/validate/runner.py passes plan.security to it; tests/integration/test_validate.py shows it failing)."""
    return {**run_options(security), "non-root user check": (security.uid, security.gid)}


def kubernetes_view(plan: BuildPlan, security: RuntimeSecurity) -> dict[str, Any]:
    """The security fields of the web pod and its container, and the memory-backed mounts."""
    plan = dataclasses.replace(plan, security=security)
    web = plan.process("web")
    assert web is not None
    container = pods.container(plan, web, web=True)
    pod = pods.pod_spec(plan, [container], grace_seconds=30)
    memory = {v["name"] for v in pod["volumes"] if v.get("emptyDir", {}).get("medium") == "Memory"}
    return {**{f"pod.{k}": v for k, v in pod["securityContext"].items()},
            **{f"container.{k}": v for k, v in container["securityContext"].items()},
            "memory mounts": sorted(m["mountPath"] for m in container["volumeMounts"] if m["name"] in memory)}


def changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def test_the_table_covers_every_field() -> None:
    assert set(CHANGES) == {f.name for f in dataclasses.fields(RuntimeSecurity)}


@pytest.mark.parametrize("field", CHANGES)
def test_each_setting_reaches_validate_and_the_manifests(plan: BuildPlan, field: str) -> None:
    varied = dataclasses.replace(plan.security, **{field: CHANGES[field][0]})
    assert changed(validate_view(plan.security), validate_view(varied)), f"validate ignores {field}"
    assert changed(kubernetes_view(plan, plan.security), kubernetes_view(plan, varied)), f"the pod ignores {field}"


def test_every_security_field_in_either_comes_from_the_plan(plan: BuildPlan) -> None:
    """The reverse: no setting on either side stands alone; each moves with some field of RuntimeSecurity."""
    variants = [dataclasses.replace(plan.security, **{f: value}) for f, (value, _, _) in CHANGES.items()]
    moved_validate = set().union(*(changed(validate_view(plan.security), validate_view(v)) for v in variants))
    moved_pod = set().union(*(changed(kubernetes_view(plan, plan.security), kubernetes_view(plan, v))
                              for v in variants))
    assert moved_validate == set(validate_view(plan.security))
    assert moved_pod == set(kubernetes_view(plan, plan.security))


def test_the_defaults_are_the_hardened_ones(plan: BuildPlan) -> None:
    """What app_sample's pod and validate's container both get, spelt out once."""
    assert run_options(plan.security) == {"read_only": True, "tmpfs": {"/tmp": ""}, "cap_drop": ["ALL"],
                                          "security_opt": ["no-new-privileges:true"]}
    view = kubernetes_view(plan, plan.security)
    assert (view["pod.runAsNonRoot"], view["pod.runAsUser"], view["pod.runAsGroup"]) == (True, 10001, 10001)
    assert (view["container.readOnlyRootFilesystem"], view["container.allowPrivilegeEscalation"]) == (True, False)
    assert view["container.capabilities"] == {"drop": ["ALL"]}
    assert view["pod.seccompProfile"] == view["container.seccompProfile"] == {"type": "RuntimeDefault"}
    assert view["memory mounts"] == ["/tmp"]
