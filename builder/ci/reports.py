"""What `builder ci` leaves for the CI system, whatever failed: the job summary (Markdown, appended to
$GITHUB_STEP_SUMMARY when set) and JUnit XML with one test case per step and per validate check."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from builder.ci.steps import CiRun, StepResult
    from builder.validate.report import ValidationReport

SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
ICONS = {"passed": "✅", "failed": "❌", "skipped": "⏭️"}


def image_markdown(run: CiRun) -> tuple[str, str]:
    """`builder report --markdown` of the built image (not started: validate did that), or why there is none."""
    if run.built is None:
        return "", "no image was built, so there is no image report"
    from builder.errors import BuilderError
    from builder.report import formats
    from builder.report.measure import ReportOptions, make_report

    try:
        report = make_report(run.plan, run.client(), image=run.built.image_id, options=ReportOptions(start=False),
                             on_progress=lambda line: run.say(f"    {line}"))
    except BuilderError as error:
        return "", f"image report failed: {error.message}"
    return formats.markdown(report), ""


def summary_markdown(run: CiRun, results: list[StepResult], image_report: str, note: str) -> str:
    failed = next((r for r in results if r.status == "failed"), None)
    verdict = f"**failed: {failed.name}** (exit {failed.exit_code})" if failed else "**all steps passed**"
    lines = [f"## builder ci: {run.plan.app_name}", "", verdict, "", "| step | result | time | detail |",
             "| --- | --- | ---: | --- |"]
    lines += [f"| {r.name} | {ICONS[r.status]} {r.status} | {r.seconds:.1f} s | {_cell(r.detail)} |" for r in results]
    if run.pushed:
        lines += ["", "pushed: " + ", ".join(f"`{ref}`" for ref in run.pushed)]
    if run.validation is not None:
        lines += ["", "### validate", "", *_validation_rows(run.validation)]
    if note:
        lines += ["", f"_{note}_"]
    return "\n".join([*lines, "", image_report]).rstrip() + "\n"


def _validation_rows(report: ValidationReport) -> list[str]:
    rows = ["| check | result | seen |", "| --- | --- | --- |"]
    return rows + [f"| {c.name} | {c.verdict} | {_cell(c.seen.strip().splitlines()[0] if c.seen.strip() else '')} |"
                   for c in report.checks]


def _cell(text: str, limit: int = 300) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def junit_xml(run: CiRun, results: list[StepResult]) -> str:
    """Steps as one suite and validate's checks as another, so a CI's test view shows what failed."""
    suites = ET.Element("testsuites", name=f"builder ci {run.plan.app_name}")
    steps = _suite(suites, "builder ci", len(results), sum(r.seconds for r in results))
    for r in results:
        _case(steps, "builder ci", r.name, r.seconds, r.status, r.detail)
    if run.validation is not None:
        checks = _suite(suites, "validate", len(run.validation.checks), run.validation.seconds)
        for c in run.validation.checks:
            status = "skipped" if c.skipped else "passed" if c.passed else "failed"
            _case(checks, "validate", c.name, c.seconds or 0.0, status, f"expected: {c.expected}\nseen: {c.seen}")
    for suite in suites:
        cases = list(suite)
        suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
        suite.set("skipped", str(sum(1 for case in cases if case.find("skipped") is not None)))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _suite(parent: ET.Element, name: str, tests: int, seconds: float) -> ET.Element:
    return ET.SubElement(parent, "testsuite", name=name, tests=str(tests), time=f"{seconds:.2f}")


def _case(suite: ET.Element, classname: str, name: str, seconds: float, status: str, detail: str) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name=name, time=f"{seconds:.2f}")
    if status == "failed":
        ET.SubElement(case, "failure", message=detail.splitlines()[0] if detail else "failed").text = detail
    elif status == "skipped":
        ET.SubElement(case, "skipped", message=detail)


def write_reports(run: CiRun, results: list[StepResult]) -> list[Path]:
    """summary.md and junit.xml in the output directory, and the summary appended to the job summary if any."""
    image_report, note = image_markdown(run)
    summary = summary_markdown(run, results, image_report, note)
    written = [_write(run.options.out / "summary.md", summary), _write(run.options.out / "junit.xml",
                                                                      junit_xml(run, results))]
    if step_summary := os.environ.get(SUMMARY_ENV):
        with Path(step_summary).open("a", encoding="utf-8") as out:
            out.write(summary)
        written.append(Path(step_summary))
    return written


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
