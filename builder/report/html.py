"""A Report as one self-contained HTML page (builder/html/report.html.j2): charts of where the bytes go and the
history trend, drawn by an inline script from an inline JSON block; no CDN, so it works offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder.errors import BuilderError
from builder.report.formats import sections, size
from builder.report.history import instruction
from builder.report.model import Report
from builder.templates import environment

CHART_PACKAGES = 12
CHART_DIRECTORIES = 10


def chart_data(report: Report) -> dict[str, list[dict[str, Any]]]:
    """The series the page's script draws: bars of bytes (layers, packages, directories) and two trend lines."""
    image = report.image
    layers = [{"label": f"#{layer.index} {instruction(layer.created_by)}", "bytes": layer.size_bytes,
               "hidden": layer.wasted_bytes} for layer in image.layers if layer.size_bytes]
    packages = []
    if image.packages:
        items = image.packages.items
        packages = [{"label": f"{p.name} {p.version}", "bytes": p.size_bytes} for p in items[:CHART_PACKAGES]]
        if rest := items[CHART_PACKAGES:]:
            packages.append({"label": f"{len(rest)} more", "bytes": sum(p.size_bytes for p in rest)})
    directories = [{"label": d.path, "bytes": d.size_bytes} for d in image.directories[:CHART_DIRECTORIES]]
    size_points = [{"label": p.when, "value": p.size_bytes / 1e6} for p in report.trend]
    build_points = [{"label": p.when, "value": p.build_seconds} for p in report.trend if p.build_seconds]
    return {"layers": layers, "packages": packages, "directories": directories, "trend_size": size_points,
            "trend_build": build_points}


def script_json(data: object) -> str:
    """JSON that is safe inside <script>: no `</script>` or `<!--` can end or bend the element."""
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(report: Report) -> str:
    template = environment().get_template("report.html.j2")
    return template.render(report=report, sections=sections(report), total=size(report.image.size_bytes),
                           data=script_json(chart_data(report)))


def write_html(report: Report, path: Path) -> None:
    try:
        path.write_text(render_html(report), encoding="utf-8")
    except OSError as exc:
        raise BuilderError(f"cannot write the HTML report to {path}: {exc.strerror or exc}",
                           hint="pass --html with a path in a directory that exists and you may write to") from None
