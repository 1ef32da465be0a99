"""The report as a terminal table, Markdown, JSON and HTML, from a Report made by hand."""

from __future__ import annotations

import json
import re

from builder.build import BudgetCheck
from builder.report import formats
from builder.report.html import chart_data, render_html, script_json
from builder.report.model import (
    Delta,
    DirectorySize,
    ImageMeasurement,
    LayerSize,
    Packages,
    PackageSize,
    ProcessMemory,
    RebuildTimes,
    Report,
    Startup,
    TrendPoint,
    Waste,
    WastedFile,
)

SITE = "/opt/venv/lib/python3.11/site-packages"


def sample_report(*, budgets: list[BudgetCheck] | None = None, packages: int = 3) -> Report:
    layers = [LayerSize(0, "", 124_700_000, 5050, 3384),
              LayerSize(1, "ENV A=1", 0, 0),
              LayerSize(2, "COPY /opt/venv /opt/venv # buildkit", 57_400_000, 1714),
              LayerSize(3, "COPY . /app # buildkit", 53_454, 16)]
    items = [PackageSize(f"pkg{i}", "1.0", 1_000_000 * (packages - i), SITE) for i in range(packages)]
    waste = Waste(3384, 182_153_454, [WastedFile("/etc/passwd", 839, 0, 1)])
    image = ImageMeasurement("gradebook:latest", "sha256:9cd0d57e1d53aaaa", 182_262_878, layers,
                             [DirectorySize("/usr", 119_332_337), DirectorySize("/opt", 57_441_233)], waste,
                             Packages("/opt/venv/bin/python3", "/opt/venv", True, items, 1234), 57_441_233)
    startup = Startup("/health", 1.141, 10.575, [
        ProcessMemory(1, "master", "gunicorn --config /app/gunicorn.conf.py", 24_604_672, 14_120_960),
        ProcessMemory(7, "worker", "gunicorn --config /app/gunicorn.conf.py", 68_702_208, 54_920_192),
        ProcessMemory(8, "worker", "gunicorn --config /app/gunicorn.conf.py", 68_689_920, 54_891_520)])
    deltas = [Delta("size", "image", 181_000_000, 182_262_878), Delta("package", "iniconfig", None, 20_000)]
    trend = [TrendPoint("2026-01-01T00:00:00Z", "sha256:a", 181_000_000, 12.0),
             TrendPoint("2026-01-02T00:00:00Z", "sha256:9cd0d57e1d53aaaa", 182_262_878, 9.5)]
    checks = budgets if budgets is not None else [BudgetCheck("image_mb", 250, 182.3, "MB")]
    return Report("gradebook", "2026-01-02T00:00:05Z", image, startup, RebuildTimes(40.1, 0.9, 8.2), 9.5, checks,
                  deltas, "sha256:aaaaaaaaaaaaaaaa", trend, ["no earlier build </script> <b>"])


def test_table_shows_the_numbers_a_person_acts_on() -> None:
    text = formats.table(sample_report())
    assert "size        182.3 MB in 3 layers holding files, of 4" in text
    assert "efficiency  99.998% (3.4 kB wasted" in text
    assert "start       1.14 s to the first 2xx on /health; HEALTHCHECK healthy after 10.57 s" in text
    assert "2 worker(s) at idle: 68.7 MB resident each (median), 54.9 MB proportional" in text
    assert "rebuilds    cold 40.10 s, one-line code change 0.90 s, dependency change 8.20 s" in text
    assert re.search(r"image_mb\s+182\.3 MB\s+250 MB\s+pass", text)
    assert re.search(r"\n\s+2\s+57\.4 MB\s+COPY /opt/venv /opt/venv\n", text)  # the metadata layer is left out
    assert "python packages: 6.0 MB in 3 distributions (virtualenv /opt/venv, 57.4 MB in all)" in text
    assert re.search(r"1\.2 kB\s+\(in site-packages, claimed by no distribution\)", text)
    assert re.search(r"package\s+iniconfig\s+new -> 20\.0 kB\s+\+20\.0 kB", text)
    assert "changes since the previous build (aaaaaaaaaaaa)" in text


def test_long_package_lists_are_summed_after_the_top() -> None:
    text = formats.table(sample_report(packages=formats.TOP_PACKAGES + 4))
    assert re.search(r"10\.0 MB\s+4 more", text)  # 4 + 3 + 2 + 1 MB


def test_a_failed_budget_says_so_in_every_format() -> None:
    report = sample_report(budgets=[BudgetCheck("start_seconds", 0.5, float("inf"), "s"),
                                    BudgetCheck("image_mb", 100, 182.3, "MB")])
    assert not report.within_budgets
    assert re.search(r"start_seconds\s+never\s+0\.5 s\s+FAIL", formats.table(report))
    markdown = formats.markdown(report)
    assert markdown.startswith("## builder report: gradebook, 182.3 MB, **over budget**")
    assert "| image_mb | 182.3 MB | 100 MB | FAIL |" in markdown
    data = json.loads(formats.to_json(report))
    assert data["within_budgets"] is False
    assert [b["passed"] for b in data["budgets"]] == [False, False]


def test_markdown_tables_are_well_formed() -> None:
    markdown = formats.markdown(sample_report())
    assert "### budgets\n\n| budget | measured | limit | result |\n| --- | ---: | ---: | --- |" in markdown
    for line in markdown.splitlines():
        if line.startswith("|"):
            assert line.endswith("|")


def test_json_carries_the_derived_figures() -> None:
    data = json.loads(formats.to_json(sample_report()))
    assert data["image"]["size_mb"] == 182.3
    assert data["image"]["waste"]["efficiency"] == round(1 - 3384 / 182_153_454, 4)
    assert data["image"]["packages"]["total_bytes"] == 6_000_000 + 1234
    assert data["startup"]["worker_rss_bytes"] == (68_702_208 + 68_689_920) // 2
    assert data["rebuilds"] == {"cold_seconds": 40.1, "code_change_seconds": 0.9, "dependency_change_seconds": 8.2}


def test_chart_data_holds_every_series() -> None:
    data = chart_data(sample_report(packages=20))
    assert [bar["label"] for bar in data["layers"]] == ["#0 (base image)", "#2 COPY /opt/venv /opt/venv",
                                                        "#3 COPY . /app"]
    assert len(data["packages"]) == 13 and data["packages"][-1]["label"] == "8 more"
    assert [p["value"] for p in data["trend_size"]] == [181.0, 182.262878]
    assert [p["value"] for p in data["trend_build"]] == [12.0, 9.5]


def test_html_is_self_contained_and_escapes_what_it_shows() -> None:
    page = render_html(sample_report())
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # no CDN, no remote anything
    assert "https://" not in page
    for chart in ("chart-layers", "chart-packages", "chart-directories", "chart-trend-size", "chart-trend-build"):
        assert f'id="{chart}"' in page
    assert "no earlier build &lt;/script&gt; &lt;b&gt;" in page  # a note, escaped in the table
    assert page.count("</script>") == 2  # ... and it cannot close the JSON block early
    embedded = page.split('<script type="application/json" id="report-data">')[1].split("</script>")[0]
    assert json.loads(embedded)["layers"][0]["bytes"] == 124_700_000


def test_script_json_cannot_end_the_element() -> None:
    text = script_json({"note": "</script><!-- & "})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"note": "</script><!-- & "}


def test_a_cut_cell_is_marked_with_an_ellipsis() -> None:
    from builder.report.formats import cell

    assert cell("groupadd --gid 10001 app", 21) == "groupadd --gid 10001…"
    assert cell("groupadd --gid 10001 app", 24) == "groupadd --gid 10001 app"
