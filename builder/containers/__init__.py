"""Short-lived containers, in one place: what validate, report, doctor and quality start on the engine.

Everything builder starts carries one label scheme (`labels.py`), so one `sweep` finds what a run left behind;
`throwaway` removes its container however start-up ends; `engine_failures` turns an engine error into a transient
one with what we were doing in front of it. Then the waits (exit, Docker's HEALTHCHECK), HTTP probes and polls, and
the tail of a container's log with the line in it that says what went wrong.
"""

from builder.containers.labels import LABEL_APP, LABEL_PURPOSE, LABEL_RUN, Run, sweep
from builder.containers.lifecycle import disable_reaper, engine_failures, private_network, throwaway
from builder.containers.logs import FULL_LOG, LOG_TAIL, log_tail, telling_line
from builder.containers.probes import HTTP_TIMEOUT, HttpAnswer, http_request, poll
from builder.containers.waits import Health, exited, health_budget, healthcheck_of, wait_for_exit, wait_for_health

__all__ = [
    "FULL_LOG", "HTTP_TIMEOUT", "LABEL_APP", "LABEL_PURPOSE", "LABEL_RUN", "LOG_TAIL", "Health", "HttpAnswer", "Run",
    "disable_reaper", "engine_failures", "exited", "health_budget", "healthcheck_of", "http_request", "log_tail",
    "poll", "private_network", "sweep", "telling_line", "throwaway", "wait_for_exit", "wait_for_health",
]
