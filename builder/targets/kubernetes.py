"""k8s/: Kubernetes manifests and a kustomization for `kubectl apply -k k8s/`, from the plan's kubernetes section.

Each manifest is a dict serialised by yaml.safe_dump, never text with user values in it, so no spec value can
change a manifest's structure. Postgres and Redis are external (managed services): their URLs sit in a Secret that a
person creates; the manifests name its keys and never hold a value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

from builder.targets import kubernetes_pods as pods
from builder.targets.kubernetes_pods import Manifest, kubernetes_of, labels
from builder.templates import Artifact, environment, with_header

if TYPE_CHECKING:
    from builder.plan.model import BuildPlan, ProcessPlan

FOLDER = "k8s"
JOB_DEADLINE_SECONDS = 600
KILL_MARGIN_SECONDS = 5  # past a worker's grace period, before the kubelet's SIGKILL
JOB_TTL_SECONDS = 3600  # a finished Job goes away, so the next apply can create it anew (its pod spec is immutable)
NOTES = {
    "release-job.yaml": ["A Job's pod template cannot change: before applying a new image, delete the finished Job",
                         "(kubectl delete job NAME --ignore-not-found), or wait for ttlSecondsAfterFinished.",
                         "The Deployment does not wait for it; choose kubernetes.release: init-container for that."],
    "networkpolicy.yaml": ["Postgres and Redis are outside the cluster, their hosts in the Secret: the policy names",
                           "their ports; add an ipBlock with your database's network to narrow it further."],
    "deployment.yaml": ["Environment: literal values from the ConfigMap; the rest by key from the Secret."],
}


class KubernetesTarget:
    name = "kubernetes"
    section = "kubernetes"

    def applies(self, plan: BuildPlan) -> bool:
        return plan.kubernetes is not None

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        files = manifests(plan)
        listing = [name for name, _, _ in files]
        return [_artifact(name, title, doc, plan, notes=NOTES.get(name)) for name, title, doc in files] \
            + [kustomization(plan, listing)]


def manifests(plan: BuildPlan) -> list[tuple[str, str, Manifest]]:
    """(file name, what it is, the object) for every manifest the plan calls for, in apply order."""
    k = kubernetes_of(plan)
    files = [("namespace.yaml", "Namespace, enforcing the restricted Pod Security Standard", namespace(plan)),
             ("configmap.yaml", "ConfigMap: the literal environment values", config_map(plan))]
    if k.persistence:
        files.append(("pvc.yaml", "PersistentVolumeClaim: one pod writes it (ReadWriteOnce)", claim(plan)))
    files += [("deployment.yaml", "Deployment: the web process", web_deployment(plan)),
              ("service.yaml", "Service: the web process inside the cluster", service(plan)),
              ("pdb.yaml", "PodDisruptionBudget: one web pod down at a time", disruption_budget(plan)),
              ("networkpolicy.yaml", "NetworkPolicy: the app reaches only DNS and its services' ports",
               network_policy(plan))]
    if k.max_replicas > k.min_replicas:
        files.append(("hpa.yaml", "HorizontalPodAutoscaler: the web process on CPU", autoscaler(plan)))
    release = plan.process("release")
    if release and k.release == "job":
        files.append(("release-job.yaml", "Job: the release command (migrations)", release_job(plan, release)))
    for process in plan.processes:
        if process.kind == "worker":
            files.append((f"worker-{process.name}.yaml", f"Deployment: worker {process.name}",
                          worker_deployment(plan, process)))
        elif process.kind == "cron" and process.schedule:
            files.append((f"cron-{process.name}.yaml", f"CronJob: {process.name}", cron_job(plan, process)))
    return files


def _meta(plan: BuildPlan, name: str, component: str) -> Manifest:
    return {"name": name, "namespace": kubernetes_of(plan).namespace, "labels": labels(plan, component)}


def namespace(plan: BuildPlan) -> Manifest:
    enforce = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "warn", "audit")}
    meta = {"name": kubernetes_of(plan).namespace, "labels": {"app.kubernetes.io/name": plan.app_name, **enforce}}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def config_map(plan: BuildPlan) -> Manifest:
    data = {b.name: b.value or "" for b in plan.env if b.source == "value"}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(plan, kubernetes_of(plan).config_name, "config"),
            "data": data}


def claim(plan: BuildPlan) -> Manifest:
    volume = kubernetes_of(plan).persistence
    assert volume is not None
    spec: Manifest = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": volume.size}}}
    if volume.storage_class:
        spec["storageClassName"] = volume.storage_class
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": _meta(plan, pods.claim_name(plan), "data"), "spec": spec}


def web_deployment(plan: BuildPlan) -> Manifest:
    """Rolls one new pod in before an old one goes; with a claim, replaces the one pod (a RWO volume moves)."""
    k = kubernetes_of(plan)
    web = plan.process("web")
    assert web is not None
    init = [pods.container(plan, release)] if (release := plan.process("release")) and k.release != "job" else None
    strategy = {"type": "Recreate"} if k.persistence else \
        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    spec: Manifest = {} if k.max_replicas > k.min_replicas else {"replicas": k.replicas}  # else the HPA's to set
    spec |= {"selector": {"matchLabels": labels(plan, "web")}, "strategy": strategy,
             "template": {"metadata": {"labels": labels(plan, "web")},
                          "spec": pods.pod_spec(plan, [pods.container(plan, web, web=True)],
                                                grace_seconds=k.termination_grace_seconds, init=init)}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(plan, plan.app_name, "web"),
            "spec": spec}


def service(plan: BuildPlan) -> Manifest:
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(plan, plan.app_name, "web"),
            "spec": {"type": "ClusterIP", "selector": labels(plan, "web"),
                     "ports": [{"name": pods.PORT_NAME, "port": 80, "targetPort": pods.PORT_NAME, "protocol": "TCP"}]}}


def disruption_budget(plan: BuildPlan) -> Manifest:
    """maxUnavailable, not minAvailable: with a single pod, minAvailable 1 would block every node drain."""
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(plan, plan.app_name, "web"),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels(plan, "web")}}}


def autoscaler(plan: BuildPlan) -> Manifest:
    k = kubernetes_of(plan)
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": _meta(plan, plan.app_name, "web"),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": plan.app_name},
                     "minReplicas": k.min_replicas, "maxReplicas": k.max_replicas,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": k.target_cpu_percent}}}]}}


def network_policy(plan: BuildPlan) -> Manifest:
    """Ingress on the app's port; egress to DNS and to the services' ports only (their hosts are unknown here)."""
    ports = sorted({s.port for s in plan.services} | set(kubernetes_of(plan).egress_ports))
    dns = {"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
           "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}
    egress = [dns] + ([{"ports": [{"port": p, "protocol": "TCP"} for p in ports]}] if ports else [])
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": _meta(plan, plan.app_name, "network"),
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": plan.app_name}},
                     "policyTypes": ["Ingress", "Egress"],
                     "ingress": [{"ports": [{"port": plan.ports.app, "protocol": "TCP"}]}], "egress": egress}}


def release_job(plan: BuildPlan, release: ProcessPlan) -> Manifest:
    pod = pods.pod_spec(plan, [pods.container(plan, release)], grace_seconds=release.grace_seconds, restart="Never")
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta(plan, f"{plan.app_name}-release", "release"),
            "spec": {"backoffLimit": 1, "activeDeadlineSeconds": JOB_DEADLINE_SECONDS,
                     "ttlSecondsAfterFinished": JOB_TTL_SECONDS,
                     "template": {"metadata": {"labels": labels(plan, "release")}, "spec": pod}}}


def worker_deployment(plan: BuildPlan, process: ProcessPlan) -> Manifest:
    """One pod per worker (its connections count once in doctor's budget); its program's healthcheck as probes."""
    component = f"worker-{process.name}"
    container = pods.container(plan, process)
    if process.healthcheck:
        container |= pods.exec_probes(process.healthcheck)
    pod = pods.pod_spec(plan, [container], grace_seconds=process.grace_seconds + KILL_MARGIN_SECONDS)
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": _meta(plan, f"{plan.app_name}-{process.name}", component),
            "spec": {"replicas": 1, "selector": {"matchLabels": labels(plan, component)},
                     "template": {"metadata": {"labels": labels(plan, component)}, "spec": pod}}}


def cron_job(plan: BuildPlan, process: ProcessPlan) -> Manifest:
    """Forbid overlapping runs: a slow run must not double the database connections it holds."""
    component = f"cron-{process.name}"
    pod = pods.pod_spec(plan, [pods.container(plan, process)], grace_seconds=process.grace_seconds, restart="Never")
    job = {"backoffLimit": 1, "activeDeadlineSeconds": JOB_DEADLINE_SECONDS,
           "template": {"metadata": {"labels": labels(plan, component)}, "spec": pod}}
    return {"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": _meta(plan, f"{plan.app_name}-{process.name}", component),
            "spec": {"schedule": process.schedule, "timeZone": "Etc/UTC", "concurrencyPolicy": "Forbid",
                     "jobTemplate": {"spec": job}}}


def kustomization(plan: BuildPlan, resources: list[str]) -> Artifact:
    k = kubernetes_of(plan)
    keys = " ".join(f"--from-literal={key}=..." for key in pods.secret_keys(plan))
    notes = ["Apply: kubectl apply -k k8s/  (kubectl kustomize k8s/ prints what it sends)",
             f"The image: `images` below points {plan.app_name} at your registry (builder.yaml: kubernetes.image)."]
    if keys:
        notes.append(f"First create the Secret (never in these files): kubectl -n {k.namespace} create secret "
                     f"generic {k.secret_name} {keys}")
    doc: Manifest = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                     "resources": resources}
    if k.image_repository:
        doc["images"] = [{"name": plan.app_name, "newName": k.image_repository}]
    return _artifact("kustomization.yaml", "Kustomization: every manifest in this folder", doc, plan, notes=notes)


class _PlainDumper(yaml.SafeDumper):
    """No &anchors and *aliases for objects used twice (a probe, a resources block): each manifest reads alone."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _artifact(name: str, title: str, doc: Manifest, plan: BuildPlan, *, notes: list[str] | None = None) -> Artifact:
    template = environment().get_template("kubernetes/header.yaml.j2")
    header = template.render(title=title, app=plan.app_name, notes=notes or [])
    body = yaml.dump(doc, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False, width=1000)
    return Artifact(f"{FOLDER}/{name}", with_header(header + body))
