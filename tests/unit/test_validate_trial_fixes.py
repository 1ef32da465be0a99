"""What validate says when a check fails, from a new user's trial: the line must name what failed."""

from __future__ import annotations

from builder.containers import telling_line
from builder.frameworks import Django
from builder.validate.processes import framework_verdict

CHECK = Django.checks[0]
CELERY = "[2026-12-01 13:09:50,951: {}/MainProcess] {}"
# celery beat on a read-only /app: its LoggingProxy writes each piece of the traceback as a record of its own.
BEAT_LOG = [CELERY.format("INFO", "beat: Starting..."),
            CELERY.format("CRITICAL", "beat raised exception <class '_gdbm.error'>: error(30, 'Read-only')"),
            CELERY.format("WARNING", "Traceback (most recent call last):"),
            CELERY.format("WARNING", '  File "/app/.venv/lib/python3.11/shelve.py", line 243, in __init__'),
            CELERY.format("WARNING", "_gdbm"), CELERY.format("WARNING", "."), CELERY.format("WARNING", "error"),
            CELERY.format("WARNING", ":"),
            CELERY.format("WARNING", "[Errno 30] Read-only file system: 'celerybeat-schedule'")]


def test_a_fatal_id_with_exit_0_says_which_id_failed_it_and_why() -> None:
    output = ["System check identified some issues:", "WARNINGS:",
              "?: (security.W004) You have not set a value for the SECURE_HSTS_SECONDS setting.",
              "?: (security.W018) You should not have DEBUG set to True in deployment."]
    check = framework_verdict(CHECK, 0, output, seconds=1.0)
    assert not check.passed
    assert check.seen.splitlines()[0] == "exit 0, but W018 (DEBUG on in deployment) is fatal"
    assert check.seen.splitlines()[1:] == ["?: (security.W018) You should not have DEBUG set to True in deployment."]


def test_two_fatal_ids_and_a_failing_exit_are_both_said() -> None:
    output = ["?: (security.W009) Your SECRET_KEY has less than 50 characters.",
              "?: (security.W020) ALLOWED_HOSTS must not be empty in deployment."]
    seen = framework_verdict(CHECK, 1, output, seconds=1.0).seen.splitlines()[0]
    assert seen == ("exit 1; W009 (SECRET_KEY short or Django's insecure default), W020 (ALLOWED_HOSTS empty) "
                    "are fatal")


def test_only_reported_ids_pass_and_a_bare_failure_shows_the_output() -> None:
    ok = framework_verdict(CHECK, 0, ["?: (security.W004) HSTS"], seconds=1.0)
    assert ok.passed and ok.seen == "exit 0; reported: security.W004"
    failed = framework_verdict(CHECK, 1, ["CommandError: settings are broken"], seconds=1.0)
    assert not failed.passed and failed.seen == "exit 1\nCommandError: settings are broken"


def test_the_telling_line_of_a_dead_celery_beat_is_its_os_error() -> None:
    assert telling_line(BEAT_LOG) == "[Errno 30] Read-only file system: 'celerybeat-schedule'"


def test_an_exception_behind_a_log_prefix_is_found_and_a_bare_name_comes_after_an_os_error() -> None:
    log = [CELERY.format("ERROR", "error in task"), CELERY.format("WARNING", "ValueError: bad schedule"),
           CELERY.format("WARNING", "OSError: [Errno 2] missing")]
    assert telling_line(log) == "ValueError: bad schedule"
    assert telling_line([CELERY.format("WARNING", "KeyError"), "[Errno 13] Permission denied: '/app/x'"]) == \
        "[Errno 13] Permission denied: '/app/x'"
