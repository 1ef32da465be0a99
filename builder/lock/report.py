"""Text for `builder lock`: what was read, left out, weighed and built. Pure formatting of a LockResult."""

from __future__ import annotations

from builder.findings import Finding, Severity, table
from builder.lock.check import LockCheck
from builder.lock.model import LockResult


def lock_report(result: LockResult) -> str:
    source = result.input.source + (" (detected; dependencies.source chooses another)" if result.detected else "")
    lines = [f"input      {source}", f"target     {result.target.describe()}"]
    lines += _listed("added", list(result.added))
    lines += _listed("override", list(result.overrides))
    lines += _listed("kept", list(result.kept))
    lines += _listed("left out", [f"{d.name}: {d.reason}" for d in result.dropped])
    lines.append(f"weights    unpacked on the target, heaviest first; ! marks {result.heavy_mb:g} MB or more")
    lines += [f"  {_size(w.unpacked_bytes)} {'!' if w.heavy else ' '} {w.name} {w.version}" for w in result.weights]
    wheels = sum(1 for w in result.weights if w.unpacked_bytes is not None)
    lines.append(f"total      {result.total_bytes / 1e6:.1f} MB in {wheels} wheels"
                 + (f", and {len(result.source_builds)} built from source" if result.source_builds else ""))
    lines += _listed("source", [b.describe() for b in result.source_builds])
    lines += _listed("evidence", _evidence_lines(result))
    lines += _listed("note", list(result.notes))
    findings = lock_findings(result)
    return "\n".join(lines + ([table(findings)] if findings else []))


def lock_findings(result: LockResult) -> list[Finding]:
    """Heavy packages, native source builds and packages added to prop up an old one, as findings a CI can read."""
    lock = result.lock_name
    findings = [Finding("BLD-LOCK-001", Severity.MEDIUM,
                        f"{w.name} {w.version} unpacks to {(w.unpacked_bytes or 0) / 1e6:.0f} MB in the image",
                        "if the app no longer imports it, remove it from the input; ML and data libraries often "
                        "have slimmer variants or optional extras", file=lock)
                for w in result.weights if w.heavy]
    for build in result.source_builds:
        if not build.build_packages or build.allowed:
            continue  # pure Python needs nothing; dependencies.build_from_source accepted the rest
        fix = f"the plan adds {' '.join(build.build_packages)} to the builder stage"
        fix += (f"; or switch to {build.alternative}, which ships wheels" if build.alternative else
                "; builder does not know which headers it needs: add them to system_packages.build"
                if not build.known else "")
        fix += ("; `builder lock --verify` builds and imports it, then name it in dependencies.build_from_source "
                "to accept the build")
        findings.append(Finding("BLD-LOCK-002", Severity.LOW if build.known else Severity.MEDIUM,
                                f"{build.name} {build.version} has no wheel for the image and compiles from source",
                                fix, file=lock))
    locked = {p.name: p.version for p in result.pins}
    findings += [Finding("BLD-LOCK-005", Severity.LOW, f"{w.reason}: the lock adds {w.added} (setuptools "
                         f"{locked.get('setuptools', '?')}) so the image starts", w.fix, file=lock)
                 for w in result.workarounds]
    return findings


def _evidence_lines(result: LockResult) -> list[str]:
    """How many pins install from which kind of file, then each one the target's own wheels do not explain."""
    plain = (f"a wheel for {result.target.interpreter}", "a pure-Python wheel", "its sdist")
    counts = {kind: sum(1 for _, e in result.evidence if e == kind) for kind in plain}
    summary = ", ".join(f"{n} from {kind}" for kind, n in counts.items() if n) or "nothing to install"
    return [summary, *(f"{name}: {why}" for name, why in result.evidence if why not in plain)]


def _size(size: int | None) -> str:
    if size is None:
        return "   source"
    return f"{size / 1e6:6.1f} MB" if size >= 100_000 else f"{size / 1e3:6.0f} KB"


def check_report(check: LockCheck) -> str:
    if check.fresh:
        return f"{check.lock} is up to date with its inputs"
    return "\n".join([f"{check.lock} is stale:", *(f"  {r}" for r in check.reasons),
                      "run `builder lock` and commit the result"])


def _listed(label: str, items: list[str]) -> list[str]:
    return [f"{label if i == 0 else '':<10} {item}" for i, item in enumerate(items)]
