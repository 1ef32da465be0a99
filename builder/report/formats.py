"""A Report as text: a table for a terminal, Markdown for a CI job summary, JSON. Formatting only, no decisions.

The terminal and Markdown forms show the same sections, built once by `sections()`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from builder.report.history import instruction
from builder.report.model import Delta, Report

TOP_PACKAGES = 15
TOP_DIRECTORIES = 8
TOP_DELTAS = 12
INSTRUCTION_WIDTH = 80


@dataclass(frozen=True)
class Section:
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    align_right: tuple[int, ...] = ()  # column indexes holding numbers


def cell(text: str, width: int) -> str:
    """Text for a table cell of `width` characters: what is cut is marked, so `--gid 1000` never stands for 10001."""
    return text if len(text) <= width else text[: width - 1] + "…"


def size(n: float | None) -> str:
    """Decimal units, as `docker images` shows them: 182.3 MB, 48.2 kB, 12 B."""
    if n is None:
        return "-"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def seconds(value: float | None) -> str:
    return "-" if value is None else "never" if value == float("inf") else f"{value:.2f} s"


def signed(delta: Delta) -> str:
    if delta.what == "build_seconds":
        return f"{delta.change:+.2f} s"
    return ("+" if delta.change > 0 else "-") + size(abs(delta.change))


def sections(report: Report) -> list[Section]:
    """Everything the report shows, in reading order; empty sections are left out."""
    found = [_summary(report), _budgets(report), _layers(report), _directories(report), _packages(report),
             _shrink(report), _waste(report), _processes(report), _changes(report), _notes(report)]
    return [s for s in found if s.rows]


def _summary(report: Report) -> Section:
    m, rows = report.image, []
    rows.append(("image", f"{m.image} ({m.image_id.removeprefix('sha256:')[:12]})"))
    rows.append(("size", f"{size(m.size_bytes)} in {sum(1 for layer in m.layers if layer.size_bytes)} layers"
                         f" holding files, of {len(m.layers)}"))
    rows.append(("efficiency", f"{m.waste.efficiency:.3%} ({size(m.waste.wasted_bytes)} wasted: files a later layer"
                               " overwrote or deleted)"))
    if report.build_seconds is not None:
        rows.append(("build", f"{seconds(report.build_seconds)} (recorded by `builder build`)"))
    if r := report.rebuilds:
        rows.append(("rebuilds", f"cold {seconds(r.cold_seconds)}, one-line code change "
                                 f"{seconds(r.code_change_seconds)}, dependency change "
                                 f"{seconds(r.dependency_change_seconds)}"))
    if s := report.startup:
        health = f"; HEALTHCHECK healthy after {seconds(s.healthcheck_seconds)}" if s.healthcheck_seconds else ""
        rows.append(("start", f"{seconds(s.start_to_healthy_seconds or float('inf'))} to the first 2xx on"
                              f" {s.probe}{health}"))
        if s.workers:
            rows.append(("memory", f"{len(s.workers)} worker(s) at idle: {size(s.worker_rss_bytes)} resident each"
                                   f" (median), {size(s.worker_pss_bytes)} proportional"))
    return Section("summary", ("", ""), rows)


def _budgets(report: Report) -> Section:
    rows = [(b.name, f"{b.measured:.1f} {b.unit}" if b.measured != float("inf") else "never",
             f"{b.limit:g} {b.unit}", "pass" if b.passed else "FAIL") for b in report.budgets]
    return Section("budgets", ("budget", "measured", "limit", "result"), rows, (1, 2))


def _layers(report: Report) -> Section:
    rows = [(str(layer.index), size(layer.size_bytes), size(layer.wasted_bytes) if layer.wasted_bytes else "",
             cell(instruction(layer.created_by), INSTRUCTION_WIDTH))
            for layer in report.image.layers if layer.size_bytes]
    return Section("layers (with files)", ("#", "size", "hidden later", "instruction"), rows, (0, 1, 2))


def _shrink(report: Report) -> Section:
    rows = [(step.step, str(step.files), size(step.bytes_saved)) for step in report.image.shrink]
    return Section("shrinking at build (bytes saved per step)", ("step", "files", "saved"), rows, (1, 2))


def _directories(report: Report) -> Section:
    rows = [(size(d.size_bytes), d.path) for d in report.image.directories[:TOP_DIRECTORIES]]
    return Section("top-level directories", ("size", "directory"), rows, (0,))


def _packages(report: Report) -> Section:
    packages = report.image.packages
    if packages is None:
        return Section("python packages", (), [])
    rows = [(size(p.size_bytes), f"{p.name} {p.version}") for p in packages.items[:TOP_PACKAGES]]
    rest = packages.items[TOP_PACKAGES:]
    if rest:
        rows.append((size(sum(p.size_bytes for p in rest)), f"{len(rest)} more"))
    if packages.unattributed_bytes:
        rows.append((size(packages.unattributed_bytes), "(in site-packages, claimed by no distribution)"))
    where = f"virtualenv {packages.prefix}" if packages.virtualenv else f"{packages.python}'s site-packages"
    whole = f", {size(report.image.virtualenv_bytes)} in all" if report.image.virtualenv_bytes is not None else ""
    title = f"python packages: {size(packages.total_bytes)} in {len(packages.items)} distributions ({where}{whole})"
    return Section(title, ("size", "distribution"), rows, (0,))


def _waste(report: Report) -> Section:
    rows = [(size(w.size_bytes), w.path, f"layer {w.written_in} -> {w.hidden_in}") for w in report.image.waste.largest]
    return Section("largest wasted files", ("size", "path", "written -> hidden"), rows, (0,))


def _processes(report: Report) -> Section:
    if report.startup is None:
        return Section("processes", (), [])
    rows = [(str(p.pid), p.role, size(p.rss_bytes), size(p.pss_bytes), cell(p.command, 70))
            for p in report.startup.processes]
    return Section("processes at idle", ("pid", "role", "resident", "proportional", "command"), rows, (0, 2, 3))


def _changes(report: Report) -> Section:
    if report.previous_image_id is None:
        return Section("changes", (), [])
    rows = [(d.what, cell(d.name, INSTRUCTION_WIDTH), _before_after(d), signed(d))
            for d in report.deltas[:TOP_DELTAS]]
    if not rows:
        rows = [("-", "nothing changed in size, layers or packages", "", "")]
    title = f"changes since the previous build ({report.previous_image_id.removeprefix('sha256:')[:12]})"
    return Section(title, ("what", "name", "before -> after", "change"), rows, (3,))


def _before_after(delta: Delta) -> str:
    show = seconds if delta.what == "build_seconds" else size
    before = "new" if delta.before is None else show(delta.before)
    after = "gone" if delta.after is None else show(delta.after)
    return f"{before} -> {after}"


def _notes(report: Report) -> Section:
    return Section("notes", ("",), [(note,) for note in report.notes])


def table(report: Report) -> str:
    """Aligned columns for a terminal."""
    blocks = []
    for section in sections(report):
        widths = [max(len(row[i].splitlines()[0] if row[i] else "") for row in section.rows)
                  for i in range(len(section.rows[0]))]
        lines = [section.title] if section.title != "summary" else []
        for row in section.rows:
            cells = [cell.rjust(w) if i in section.align_right else cell.ljust(w)
                     for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
            lines.append(("" if section.title == "summary" else "  ") + "  ".join(cells).rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def markdown(report: Report) -> str:
    """GitHub-flavoured Markdown, e.g. for `>> $GITHUB_STEP_SUMMARY`."""
    verdict = "within budgets" if report.within_budgets else "**over budget**"
    parts = [f"## builder report: {report.app}, {size(report.image.size_bytes)}, {verdict}"]
    for section in sections(report):
        if section.title != "summary":
            parts.append(f"### {section.title}")
        header = section.columns if any(section.columns) else ("", "") if len(section.columns) == 2 else ("note",)
        rule = ["---:" if i in section.align_right else "---" for i in range(len(header))]
        lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
        lines += ["| " + " | ".join(_md_cell(value) for value in row) + " |" for row in section.rows]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2)
