"""The connection budget: every process's pool against a Postgres connection cap.

One formula serves two callers: doctor holds it against the Render database plan's cap, and `validate --load`
starts Postgres with a cap that leaves one instance's budget no room, so a pool larger than declared is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from builder.plan.model import ProcessPlan

RESERVE = 10  # Postgres keeps some slots for itself (replication, autovacuum, monitoring), and a console needs one
SUPERUSER_RESERVED = 3  # Postgres' default superuser_reserved_connections


@dataclass(frozen=True)
class ConnectionBudget:
    """instances x workers x (pool_size + max_overflow) + extras, against cap - reserve.

    Threads do not multiply: they share their process's one pool (SQLAlchemy's pool is per engine, per process).
    """

    instances: int
    workers: int
    pool_size: int
    max_overflow: int
    cap: int
    extras: tuple[tuple[str, int], ...] = ()
    reserve: int = RESERVE
    unit: str = "instance"  # what runs the workers: a Render instance, a Kubernetes pod

    @property
    def total(self) -> int:
        return self.instances * self.workers * (self.pool_size + self.max_overflow) + self.extra_total

    @property
    def usable(self) -> int:
        return self.cap - self.reserve

    @property
    def fits(self) -> bool:
        return self.total <= self.usable

    @property
    def extra_total(self) -> int:
        return sum(count for _, count in self.extras)

    def demand(self) -> str:
        """e.g. `4 instances x 2 workers x (5 + 10) + 1 release = 121`."""
        extras = "".join(f" + {count} {name}" for name, count in self.extras)
        return (f"{_count(self.instances, self.unit)} x {_count(self.workers, 'worker')} x "
                f"({self.pool_size} + {self.max_overflow}){extras} = {self.total}")

    def arithmetic(self) -> str:
        """e.g. `4 instances x 2 workers x (5 + 10) + 1 release = 121 > 100 - 10 reserve = 90`."""
        sign = "<=" if self.fits else ">"
        return f"{self.demand()} {sign} {self.cap} - {self.reserve} reserve = {self.usable}"

    def fitting(self) -> ConnectionBudget | None:
        """The same budget with the largest pool that fits: max_overflow first, then pool_size; None if none does."""
        per_process = (self.usable - self.extra_total) // (self.instances * self.workers)
        if per_process < 1:
            return None
        size = max(1, min(self.pool_size, per_process))
        return ConnectionBudget(self.instances, self.workers, size, per_process - size, self.cap, self.extras,
                                self.reserve, self.unit)


def one_instance_cap(*, workers: int, pool_size: int, max_overflow: int,
                     extras: tuple[tuple[str, int], ...] = ()) -> ConnectionBudget:
    """One instance's budget with a cap of exactly that plus the superuser slots: no room for a bigger pool."""
    demand = ConnectionBudget(1, workers, pool_size, max_overflow, 0, extras, SUPERUSER_RESERVED)
    return replace(demand, cap=demand.total + SUPERUSER_RESERVED)


def process_extras(processes: Sequence[ProcessPlan], *, extra_connections: int) -> tuple[tuple[str, int], ...]:
    """Connections beside the web workers': the release command, workers and cron jobs, and the declared rest."""
    extras = [("release", 1)] if any(p.kind == "release" for p in processes) else []
    extras += [(f"{p.kind} {p.name}", p.connections) for p in processes if p.kind in ("worker", "cron")
               and p.connections]
    return tuple(extras + ([("extra_connections", extra_connections)] if extra_connections else []))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
