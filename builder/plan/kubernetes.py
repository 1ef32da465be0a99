"""The Kubernetes part of the plan: replicas, autoscaling bounds, resources, release mode, shutdown timing."""

from __future__ import annotations

from builder.plan.model import KubernetesPlan, VolumeClaimPlan
from builder.spec import AppSpec

# The preStop pause: endpoint controllers and kube-proxy need a few seconds to stop sending new requests to a pod
# that is going away; SIGTERM waits until they have.
DRAIN_SECONDS = 5
# Slack after gunicorn's graceful_timeout before the kubelet's SIGKILL: its arbiter exits a moment after the workers.
KILL_MARGIN_SECONDS = 5


def plan_kubernetes(spec: AppSpec) -> KubernetesPlan | None:
    """None unless the spec asks for manifests (`kubernetes:` present and enabled)."""
    k = spec.kubernetes
    if k is None or not k.enabled:
        return None
    minimum = k.min_replicas or k.replicas
    r = k.resources
    repository, tag = _split_image(k.image or spec.name)
    return KubernetesPlan(
        namespace=k.namespace or spec.name,
        image=f"{spec.name}:{tag}",
        image_repository=repository if repository != spec.name else None,
        replicas=k.replicas,
        min_replicas=minimum,
        max_replicas=k.max_replicas or minimum,
        target_cpu_percent=k.target_cpu_percent,
        resources={"requests": {"cpu": r.cpu_request, "memory": r.memory_request},
                   "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit}},
        release=k.release,
        config_name=f"{spec.name}-config",
        secret_name=f"{spec.name}-secrets",
        drain_seconds=DRAIN_SECONDS,
        termination_grace_seconds=DRAIN_SECONDS + spec.server.graceful_timeout + KILL_MARGIN_SECONDS,
        persistence=VolumeClaimPlan(k.persistence.path, k.persistence.size, k.persistence.storage_class)
        if k.persistence else None,
        egress_ports=sorted(set(k.egress_ports)),
        database_max_connections=k.database_max_connections,
    )


def _split_image(reference: str) -> tuple[str, str]:
    """(repository, tag): the tag follows the last colon after the last slash (a registry's port comes before it)."""
    repository, colon, tag = reference.rpartition(":")
    if not colon or "/" in tag:
        return reference, "latest"
    return repository, tag
