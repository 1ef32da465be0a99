"""Pod templates for the Kubernetes manifests: one container shape for the web, release, worker and cron processes.

Every security field comes from the plan's RuntimeSecurity, the same entry validate runs the image with, so a pod
on a cluster gets the settings builder proved (tests/unit/test_runtime_security.py holds the mapping).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from builder.plan.model import BuildPlan, KubernetesPlan, ProcessPlan, RuntimeSecurity

Manifest = dict[str, Any]
TMPFS_SIZE = "64Mi"  # a memory-backed emptyDir counts against the memory limit: keep it small
PORT_NAME = "http"


def labels(plan: BuildPlan, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": plan.app_name, "app.kubernetes.io/component": component}


def pod_security(security: RuntimeSecurity, *, writable_volume: bool) -> Manifest:
    """The pod's securityContext; fsGroup only when a claim must be writable by the app's group."""
    context: Manifest = {
        "runAsNonRoot": security.uid != 0,
        "runAsUser": security.uid,
        "runAsGroup": security.gid,
        "seccompProfile": {"type": security.seccomp},
    }
    if writable_volume:
        context["fsGroup"] = security.gid
    return context


def container_security(security: RuntimeSecurity) -> Manifest:
    """Repeats the pod's user at the container, where scanners and admission policies look first."""
    return {
        "runAsNonRoot": security.uid != 0,
        "runAsUser": security.uid,
        "runAsGroup": security.gid,
        "readOnlyRootFilesystem": security.read_only_root,
        "allowPrivilegeEscalation": not security.no_new_privileges,
        "capabilities": {"drop": list(security.drop_capabilities)},
        "seccompProfile": {"type": security.seccomp},
    }


def volumes(plan: BuildPlan) -> tuple[list[Manifest], list[Manifest]]:
    """(volumes, mounts): memory-backed tmpfs paths, an emptyDir per writable path, the claim where asked."""
    k = kubernetes_of(plan)
    claim = k.persistence.path if k.persistence else None
    entries = [(f"tmpfs-{i}", path, {"emptyDir": {"medium": "Memory", "sizeLimit": TMPFS_SIZE}})
               for i, path in enumerate(plan.security.tmpfs, 1)]
    entries += [(f"writable-{i}", path, {"emptyDir": {}})
                for i, path in enumerate(plan.runtime.writable_paths, 1) if path != claim]
    if k.persistence:
        entries.append(("data", k.persistence.path, {"persistentVolumeClaim": {"claimName": claim_name(plan)}}))
    return ([{"name": name, **source} for name, _, source in entries],
            [{"name": name, "mountPath": path} for name, path, _ in entries])


def claim_name(plan: BuildPlan) -> str:
    return f"{plan.app_name}-data"


def env(plan: BuildPlan) -> tuple[list[Manifest], list[Manifest]]:
    """(envFrom, env): literal values from the ConfigMap; everything else by key from the Secret, never a value."""
    k = kubernetes_of(plan)
    secret = [{"name": b.name, "valueFrom": {"secretKeyRef": {
        "name": k.secret_name, "key": b.name, **({"optional": True} if b.optional else {})}}}
        for b in plan.env if b.source != "value"]
    return [{"configMapRef": {"name": k.config_name}}], secret


def secret_keys(plan: BuildPlan) -> list[str]:
    return [b.name for b in plan.env if b.source != "value"]


def container(plan: BuildPlan, process: ProcessPlan, *, web: bool = False) -> Manifest:
    """One container running `process` from the app's image, hardened as validate ran it.

    The web container adds its port (PORT, as Render sets it), the three probes, and a preStop pause so endpoints
    drain before SIGTERM.
    """
    env_from, secret_env = env(plan)
    spec: Manifest = {"name": process.name, "image": kubernetes_of(plan).image, "command": list(process.command)}
    if web:
        spec["ports"] = [{"name": PORT_NAME, "containerPort": plan.ports.app, "protocol": "TCP"}]
    spec["envFrom"] = env_from
    spec["env"] = [{"name": "PORT", "value": str(plan.ports.app)}] if web else []
    spec["env"] += secret_env
    spec["resources"] = kubernetes_of(plan).resources
    if web:
        pause = f"import time; time.sleep({kubernetes_of(plan).drain_seconds})"
        # An exec of the image's own Python: the image has no shell and needs none.
        spec |= {**probes(plan), "lifecycle": {"preStop": {"exec": {"command": [plan.runtime.python, "-c", pause]}}}}
    spec["securityContext"] = container_security(plan.security)
    spec["volumeMounts"] = volumes(plan)[1]
    if not spec["env"]:
        del spec["env"]
    return spec


def probes(plan: BuildPlan) -> Manifest:
    """The image HEALTHCHECK's timing on the plan's paths: startup covers its start period, then liveness takes over;
    readiness uses the readiness path, so a database outage takes the pod out of the Service without a restart."""
    hc = plan.runtime.healthcheck

    def http(path: str, failures: int) -> Manifest:
        # The Host builder's own probes send: Django's ALLOWED_HOSTS turns the kubelet's pod-IP Host away.
        get = {"path": path, "port": PORT_NAME, "httpHeaders": [{"name": "Host", "value": plan.framework.probe_host}]}
        return {"httpGet": get, "periodSeconds": hc.interval_s,
                "timeoutSeconds": hc.timeout_s, "failureThreshold": failures}

    start_failures = math.ceil(hc.start_period_s / hc.interval_s) + hc.retries
    return {
        "startupProbe": http(plan.health.liveness, start_failures),
        "livenessProbe": http(plan.health.liveness, hc.retries),
        "readinessProbe": http(plan.health.readiness or plan.health.liveness, hc.retries),
    }


def exec_probes(command: list[str]) -> Manifest:
    """A worker's own healthcheck (exec form) as its startup and liveness probes: it serves no HTTP."""
    probe = {"exec": {"command": list(command)}, "periodSeconds": 15, "timeoutSeconds": 10, "failureThreshold": 3}
    return {"startupProbe": {**probe, "periodSeconds": 5, "failureThreshold": 12}, "livenessProbe": probe}


def pod_spec(plan: BuildPlan, containers: list[Manifest], *, grace_seconds: int, restart: str = "Always",
             init: list[Manifest] | None = None) -> Manifest:
    """A pod with no service-account token (the app never talks to the API server) and the shared volumes."""
    spec: Manifest = {
        "automountServiceAccountToken": False,
        "securityContext": pod_security(plan.security, writable_volume=kubernetes_of(plan).persistence is not None),
        "terminationGracePeriodSeconds": grace_seconds,
        "restartPolicy": restart,
    }
    if init:
        spec["initContainers"] = init
    spec["containers"] = containers
    spec["volumes"] = volumes(plan)[0]
    return spec


def kubernetes_of(plan: BuildPlan) -> KubernetesPlan:
    assert plan.kubernetes is not None, "the kubernetes target applies only to plans with a kubernetes section"
    return plan.kubernetes
