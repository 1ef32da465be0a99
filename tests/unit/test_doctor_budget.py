"""The connection budget's arithmetic on worked examples, and Render's connection caps by plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.doctor.budget import ConnectionBudget, connection_cap


def test_issue_example_four_instances_two_workers_default_pool_fails() -> None:
    budget = ConnectionBudget(instances=4, workers=2, pool_size=5, max_overflow=10, cap=100)
    assert budget.total == 120
    assert not budget.fits
    assert budget.arithmetic() == "4 instances x 2 workers x (5 + 10) = 120 > 100 - 10 reserve = 90"


def test_issue_example_with_max_overflow_two_fits() -> None:
    budget = ConnectionBudget(instances=4, workers=2, pool_size=5, max_overflow=2, cap=100)
    assert budget.total == 56
    assert budget.fits
    assert budget.arithmetic() == "4 instances x 2 workers x (5 + 2) = 56 <= 100 - 10 reserve = 90"


def test_the_setting_that_fits_keeps_the_pool_and_trims_the_overflow() -> None:
    fitting = ConnectionBudget(instances=4, workers=2, pool_size=5, max_overflow=10, cap=100).fitting()
    assert fitting is not None
    assert (fitting.pool_size, fitting.max_overflow, fitting.total) == (5, 6, 88)
    assert fitting.fits


def test_threads_do_not_multiply_but_the_release_command_counts() -> None:
    # 3 instances x 2 workers x 4 threads: the threads share each process's pool, so 6 pools of 15, plus the
    # pre-deploy command's one connection, tip it over 90.
    budget = ConnectionBudget(instances=3, workers=2, pool_size=5, max_overflow=10, cap=100, extras=(("release", 1),))
    assert budget.arithmetic() == "3 instances x 2 workers x (5 + 10) + 1 release = 91 > 100 - 10 reserve = 90"
    fitting = budget.fitting()
    assert fitting is not None and (fitting.max_overflow, fitting.total) == (9, 85)


def test_when_even_the_pool_must_shrink_the_overflow_goes_to_zero() -> None:
    fitting = ConnectionBudget(instances=10, workers=4, pool_size=5, max_overflow=10, cap=100).fitting()
    assert fitting is not None
    assert (fitting.pool_size, fitting.max_overflow, fitting.total) == (2, 0, 80)


def test_no_pool_fits_when_there_are_more_processes_than_connections() -> None:
    assert ConnectionBudget(instances=50, workers=4, pool_size=5, max_overflow=10, cap=100).fitting() is None


def test_a_singular_instance_and_worker_read_as_such() -> None:
    budget = ConnectionBudget(instances=1, workers=1, pool_size=5, max_overflow=10, cap=200)
    assert budget.arithmetic() == "1 instance x 1 worker x (5 + 10) = 15 <= 200 - 10 reserve = 190"


@pytest.mark.parametrize(("plan", "cap"), [
    ("free", 100), ("basic-256mb", 100), ("basic-1gb", 100), ("pro-4gb", 100), ("pro-8gb", 200),
    ("pro-16gb", 400), ("accelerated-32gb", 500), ("pro-128gb", 500),
    ("starter", 97), ("standard", 97), ("pro", 97), ("pro_plus", 197),
])
def test_connection_caps_follow_the_plans_memory(plan: str, cap: int) -> None:
    assert connection_cap(plan) == cap


@pytest.mark.parametrize("plan", ["mega", "basic", "pro-lots", ""])
def test_unknown_plans_have_no_cap(plan: str) -> None:
    assert connection_cap(plan) is None


def test_a_planned_worker_counts_its_own_connections_and_a_cron_job_its_own(sample_copy: Path) -> None:
    from builder.doctor import gather
    from builder.doctor.budget import budget_for
    from builder.project import load_project

    spec = sample_copy / "builder.yaml"
    spec.write_text(spec.read_text() + "processes:\n  worker: {command: rq worker default, connections: 3}\n"
                    "  nightly: {command: python -m gradebook.cleanup, schedule: '0 3 * * *', connections: 1}\n")
    (sample_copy / "render.yaml").unlink()  # doctor reads render.yaml as generate would write it
    extras = dict(budget_for(gather(load_project(sample_copy), environ={}), 100).extras)
    assert extras == {"release": 1, "worker gradebook-worker": 3, "cron gradebook-nightly": 1}
