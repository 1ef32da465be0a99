"""The pool the app's own create_engine() calls ask for, where their arguments are literals."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from builder.doctor.base import Where

# SQLAlchemy's QueuePool defaults, which a create_engine() without the argument gets.
DEFAULT_POOL_SIZE, DEFAULT_MAX_OVERFLOW = 5, 10


@dataclass(frozen=True)
class EnginePool:
    size: int
    max_overflow: int
    where: Where


def engine_pools(files: list[Path], root: Path) -> tuple[EnginePool, ...]:
    """Each create_engine() whose pool is known: literal arguments or SQLAlchemy's defaults, no **options."""
    return tuple(pool for path in files for pool in _in_file(path, root))


def _in_file(path: Path, root: Path) -> list[EnginePool]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    where = path.relative_to(root).as_posix()
    return [pool for node in ast.walk(tree) if isinstance(node, ast.Call) and _is_create_engine(node)
            if (pool := _pool(node, Where(where, node.lineno))) is not None]


def _is_create_engine(call: ast.Call) -> bool:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    return name in ("create_engine", "create_async_engine")


def _pool(call: ast.Call, where: Where) -> EnginePool | None:
    given = {k.arg: k.value for k in call.keywords}
    if None in given or "poolclass" in given:  # **options, or a pool other than QueuePool (NullPool, ...)
        return None
    size, overflow = _int(given, "pool_size", DEFAULT_POOL_SIZE), _int(given, "max_overflow", DEFAULT_MAX_OVERFLOW)
    return EnginePool(size, overflow, where) if size is not None and overflow is not None else None


def _int(given: dict[str | None, ast.expr], name: str, default: int) -> int | None:
    if name not in given:
        return default
    value = given[name]
    return value.value if isinstance(value, ast.Constant) and type(value.value) is int else None
