"""SARIF 2.1.0 for GitHub code scanning: one run, each rule described once, each result located in the repository.

URIs are relative to the repository root (`git rev-parse --show-toplevel`, else the working directory) under the
base id %SRCROOT%, which `originalUriBaseIds` resolves. A finding about a built image points at the Dockerfile the
image was built from (where its fix goes), and a finding about no file in particular at builder.yaml, so every result
has a place GitHub can show. Findings the spec's `ignore:` list takes are listed with a suppression.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from builder import __version__
from builder.findings import Finding, Severity, sort_findings

ROOT_ID = "%SRCROOT%"
SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# GitHub reads security-severity as a CVSS-like score: over 9 critical, 7-8.9 high, 4-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0",
                     Severity.INFO: "1.0"}
HADOLINT_WIKI = "https://github.com/hadolint/hadolint/wiki/"


@dataclass(frozen=True)
class Locator:
    """How a finding's file becomes a place in the repository."""

    base: Path  # what the findings' relative files are relative to
    root: Path  # the repository root; URIs are relative to it
    images: Mapping[str, Path] = field(default_factory=dict)  # image tag -> the Dockerfile it was built from
    fallback: Path | None = None  # where a finding about no file points (builder.yaml)

    def path(self, finding: Finding) -> Path | None:
        if finding.file and finding.file in self.images:
            return self.images[finding.file]
        if finding.file:
            return (self.base / finding.file).absolute()
        return self.fallback

    def uri(self, path: Path) -> tuple[str, str | None]:
        """(uri, its base id): relative to the root when the file lies under it, else an absolute file URI."""
        try:
            return quote(path.resolve().relative_to(self.root).as_posix()), ROOT_ID
        except ValueError:
            return path.resolve().as_uri(), None


def repository_root(start: Path) -> Path:
    """The git work tree holding `start`, else the working directory."""
    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=start, capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        done = None
    return Path(done.stdout.strip()).resolve() if done and done.returncode == 0 else Path.cwd().resolve()


def locator(*, base: Path, images: Mapping[str, Path] | None = None, fallback: Path | None = None) -> Locator:
    return Locator(base=base.absolute(), root=repository_root(base if base.is_dir() else base.parent),
                   images=dict(images or {}), fallback=fallback)


def to_sarif(findings: list[Finding], *, where: Locator, tool: str = "builder", notes: Sequence[str] = ()) -> str:
    """The whole SARIF log; notes become the run's tool execution notifications."""
    ordered = sort_findings(findings)
    rules: dict[str, dict[str, Any]] = {}
    for finding in ordered:
        rules.setdefault(finding.id, _rule(finding))
    index = {rule_id: n for n, rule_id in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {"name": tool, "version": __version__, "rules": list(rules.values())}},
        "originalUriBaseIds": {ROOT_ID: {"uri": where.root.as_uri() + "/"}},
        "results": [_result(f, index[f.id], where) for f in ordered],
    }
    if notes:
        notifications = [{"level": "note", "message": {"text": note}} for note in notes]
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": notifications}]
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)


def _result(finding: Finding, rule_index: int, where: Locator) -> dict[str, Any]:
    text = finding.message + (f" (also {', '.join(finding.also)})" if finding.also else "")
    if finding.file in where.images:
        text = f"image {finding.file}: {text}"
    result: dict[str, Any] = {
        "ruleId": finding.id, "ruleIndex": rule_index, "level": finding.severity.sarif_level,
        "message": {"text": f"{text}. Fix: {finding.fix}" if not text.endswith(".") else f"{text} Fix: {finding.fix}"},
        "properties": {"source": finding.source, "severity": finding.severity.name.lower(), "also": list(finding.also)},
    }
    path = where.path(finding)
    if path is not None:
        uri, base_id = where.uri(path)
        artifact = {"uri": uri, **({"uriBaseId": base_id} if base_id else {})}
        located = finding.line and finding.file not in where.images
        region = {"startLine": finding.line if located else 1}
        result["locations"] = [{"physicalLocation": {"artifactLocation": artifact, "region": region}}]
        result["partialFingerprints"] = {"builderFinding/v1": _fingerprint(finding, uri)}
    if finding.suppressed:
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": finding.suppressed}]
    return result


def _fingerprint(finding: Finding, uri: str) -> str:
    """The same problem in the same file is the same alert across runs, even when lines above it move."""
    return hashlib.sha256(f"{finding.id}\0{uri}\0{finding.message}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RuleText:
    title: str  # what the rule looks for: the same for every finding of it
    help: str
    help_uri: str | None = None
    same_as: tuple[str, ...] = ()


def _rule(finding: Finding) -> dict[str, Any]:
    text = describe(finding)
    rule: dict[str, Any] = {
        "id": finding.id, "name": finding.id.replace("-", ""),
        "shortDescription": {"text": text.title},
        "fullDescription": {"text": f"{text.title}. Fix: {text.help}"},
        "help": {"text": text.help, "markdown": text.help},
        "defaultConfiguration": {"level": finding.severity.sarif_level},
        "properties": {"security-severity": SECURITY_SEVERITY[finding.severity],
                       "tags": ["security", _family(finding.id), finding.source],
                       **({"same_as": list(text.same_as)} if text.same_as else {})},
    }
    if text.help_uri:
        rule["helpUri"] = text.help_uri
    return rule


def describe(finding: Finding) -> RuleText:
    """The rule behind a finding, in words that fit every finding of it (never one finding's own message)."""
    from builder.quality.rules import RULES

    if finding.source == "builder" and finding.id in RULES:
        rule = RULES[finding.id]
        hadolint = next((i for i in rule.same_as if i.startswith("DL")), None)
        return RuleText(rule.message, rule.fix, HADOLINT_WIKI + hadolint if hadolint else None, rule.same_as)
    if finding.source == "doctor":
        return _doctor_rule(finding)
    # hadolint's and trivy's messages are their rules' titles (a CVE's title is the vulnerability's).
    title = finding.message.split(": ", 1)[-1] if finding.id.startswith(("CVE-", "GHSA-")) else finding.message
    return RuleText(title, finding.fix, finding.help_uri)


def _doctor_rule(finding: Finding) -> RuleText:
    from builder.doctor import rules as doctor_rules

    rule = next((r for r in vars(doctor_rules).values() if getattr(r, "id", None) == finding.id), None)
    if rule is not None:
        return RuleText(str(rule.title), str(rule.help))
    return RuleText(f"builder doctor check {finding.id}", finding.fix)


def _family(rule_id: str) -> str:
    prefixes = {"BLD-DF": "dockerfile", "BLD-CO": "compose", "BLD-IM": "image", "DOC": "deploy", "DL": "dockerfile",
                "SC": "dockerfile", "DS": "dockerfile", "CVE": "vulnerability", "GHSA": "vulnerability"}
    return next((family for prefix, family in prefixes.items() if rule_id.startswith(prefix)), "secret")
