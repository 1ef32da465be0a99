"""The bench's numbers as text: medians, ratios against (c), the goals for (c), and every run."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Variant:
    key: str
    title: str
    dockerfile: Path | None  # None: builder's own, as generated in app_sample
    dockerignore: Path | None
    full_base: bool
    profile: str | None = None  # builder's runtime.profile for this variant (None: not builder's Dockerfile)
    bytecode_only: bool = False


@dataclass(frozen=True)
class Sample:
    """One repetition of one variant: metric key -> value."""

    variant: str
    rep: int
    values: dict[str, float]


Metric = tuple[str, str, str]  # key, label, unit


def median(samples: Sequence[Sample], variant: str, metric: str) -> float:
    return statistics.median(s.values[metric] for s in samples if s.variant == variant)


def _value(value: float, unit: str) -> str:
    return f"{value:.1f} {unit}" if unit == "MB" else f"{value:.2f} {unit}"


def medians_table(samples: Sequence[Sample], lint: dict[str, list[str]], variants: Sequence[Variant],
                  metrics: Sequence[Metric]) -> list[list[str]]:
    """Rows: a metric, then each variant's median and its multiple of (c)'s."""
    rows = []
    for key, label, unit in metrics:
        ours = median(samples, "c", key)
        cells = []
        for variant in variants:
            value = median(samples, variant.key, key)
            ratio = "" if variant.key == "c" or ours == 0 else f" ({value / ours:.1f}x)"
            cells.append(_value(value, unit) + ratio)
        rows.append([label, *cells])
    rows.append(["lint findings (hadolint)", *(str(len(lint[v.key])) for v in variants)])
    return rows


# The slim image's size before issue 18's shrinking (bench/results.md of 2026-12-01 11:45): slim must not grow.
SLIM_BEFORE_MB = 182.9
PROFILE_LIMITS_MB = {"d": 110.0, "e": 80.0, "f": 60.0}  # issue 18: distroless, traced, traced bytecode only


def profile_goals(samples: Sequence[Sample], validated: dict[str, str]) -> list[tuple[str, bool, str]]:
    """Issue 18's goals: each profile's size and a full validation pass; slim's cold build against (a)'s."""
    def m(variant: str, metric: str) -> float:
        return median(samples, variant, metric)

    rows = [(f"({key}) at most {limit:.0f} MB and passing `builder validate`",
             m(key, "size_mb") <= limit and validated.get(key, "").startswith("passed"),
             f"{m(key, 'size_mb'):.1f} MB; validate {validated.get(key, 'not run')}")
            for key, limit in PROFILE_LIMITS_MB.items() if any(s.variant == key for s in samples)]
    cold_a, cold_c = m("a", "cold_s"), m("c", "cold_s")
    return [
        *rows,
        (f"(c) slim no larger than before ({SLIM_BEFORE_MB} MB)", m("c", "size_mb") <= SLIM_BEFORE_MB,
         f"{m('c', 'size_mb'):.1f} MB"),
        ("(c) cold build at most 0.8x (a)'s", cold_c <= 0.8 * cold_a,
         f"{cold_c:.2f} s vs {cold_a:.2f} s ({cold_c / cold_a:.2f}x)"),
        ("(c) code-only rebuild under 0.2 s", m("c", "code_s") < 0.2, f"{m('c', 'code_s'):.2f} s"),
        ("(c) passing `builder validate`", validated.get("c", "").startswith("passed"),
         validated.get("c", "not run")),
    ]


def goals(samples: Sequence[Sample], lint: dict[str, list[str]]) -> list[tuple[str, bool, str]]:
    """The issue's goals for (c): (goal, met, the numbers behind it)."""
    def m(variant: str, metric: str) -> float:
        return median(samples, variant, metric)

    size_a, size_b, size_c = m("a", "size_mb"), m("b", "size_mb"), m("c", "size_mb")
    code_a, code_c, start_c = m("a", "code_s"), m("c", "code_s"), m("c", "start_s")
    return [
        ("size at most half of (a)'s", size_c <= size_a / 2, f"{size_c:.1f} MB vs {size_a:.1f} MB"
         f" ({size_c / size_a:.0%})"),
        ("size below (b)'s", size_c < size_b, f"{size_c:.1f} MB vs {size_b:.1f} MB"),
        ("code-only rebuild under 3 s", code_c < 3, f"{code_c:.2f} s"),
        ("code-only rebuild under a fifth of (a)'s", code_c < code_a / 5, f"{code_c:.2f} s vs {code_a:.2f} s"
         f" ({code_c / code_a:.0%})"),
        ("start to healthy under 2 s", start_c < 2, f"{start_c:.2f} s"),
        ("zero lint findings", not lint["c"], "; ".join(lint["c"]) or "none"),
    ]


def render_text(samples: Sequence[Sample], lint: dict[str, list[str]], variants: Sequence[Variant],
                metrics: Sequence[Metric], validated: dict[str, str] | None = None) -> str:
    header = ["median", *(v.title for v in variants)]
    rows = [header, *medians_table(samples, lint, variants, metrics)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.append("")
    lines += [f"{'met ' if met else 'MISSED'}  (c) {goal}: {numbers}" for goal, met, numbers in goals(samples, lint)]
    lines += [f"{'met ' if met else 'MISSED'}  {goal}: {numbers}"
              for goal, met, numbers in profile_goals(samples, validated or {})]
    return "\n".join(lines)


def render_markdown(samples: Sequence[Sample], lint: dict[str, list[str]], variants: Sequence[Variant],
                    metrics: Sequence[Metric], *, machine: dict[str, str], reps: int, notes: Sequence[str] = (),
                    validated: dict[str, str] | None = None) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"# Benchmark: app_sample built {len(variants)} ways",
        f"Run {when}: {reps} repetition(s), the variants in alternation (a b c ..., then b c ... a, ...); medians"
        " below."
        " Produced by `make bench` (`bench/bench.py`); do not edit by hand.",
        _table(["machine", ""], [[k, v] for k, v in machine.items()]),
        "## Medians, and each as a multiple of (c)'s",
        _table(["", *(v.title for v in variants)], medians_table(samples, lint, variants, metrics)),
        "## Goals for (c)",
        "\n".join(f"- {'met' if met else '**missed**'}: {goal} ({numbers})" for goal, met, numbers in
                  goals(samples, lint)),
        "## Goals for the runtime profiles (issue 18)",
        "\n".join(f"- {'met' if met else '**missed**'}: {goal} ({numbers})" for goal, met, numbers in
                  profile_goals(samples, validated or {})),
        "## Validation of each builder image (`builder validate`, once per profile)",
        "\n".join(f"- {next(v.title for v in variants if v.key == key)}: {verdict}"
                  for key, verdict in (validated or {}).items()),
        "## Lint findings",
        "\n".join(f"- {v.title}:" + (" none" if not lint[v.key] else "".join(f"\n  - {f}" for f in lint[v.key]))
                  for v in variants),
        "## Every run",
        _table(["rep", "variant", *(label for _, label, _ in metrics)],
               [[str(s.rep + 1), next(v.title for v in variants if v.key == s.variant),
                 *(_value(s.values[k], unit) for k, _, unit in metrics)] for s in samples]),
    ]
    if notes:
        parts += ["## How it was measured", "\n".join(f"- {note}" for note in notes)]
    return "\n\n".join(parts) + "\n"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
