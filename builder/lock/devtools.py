"""Development tools never go into a production image: test runners, linters, type checkers, REPLs, docs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.utils import canonicalize_name

from builder.lock.model import Dropped, Root

DEV_TOOLS = frozenset({
    # tests
    "pytest", "coverage", "hypothesis", "tox", "nox", "freezegun", "responses", "requests-mock", "factory-boy",
    "model-bakery", "moto", "vcrpy", "time-machine", "locust", "selenium", "playwright", "behave",
    # lint, format, types
    "black", "ruff", "mypy", "flake8", "pylint", "isort", "autopep8", "yapf", "pycodestyle", "pyflakes",
    "pydocstyle", "bandit", "safety", "pip-audit", "pyright", "pre-commit", "codespell", "django-stubs",
    # interactive and debugging
    "ipython", "ipdb", "ipykernel", "jupyter", "jupyterlab", "notebook", "pdbpp", "debugpy",
    "django-debug-toolbar", "flask-debugtoolbar", "werkzeug-debugger-ui", "py-spy", "line-profiler",
    "memory-profiler", "snakeviz", "pyinstrument",
    # packaging and docs
    "pip-tools", "pipdeptree", "twine", "build", "wheel", "sphinx", "mkdocs", "mkdocs-material",
})
DEV_PREFIXES = ("pytest-", "flake8-", "types-", "sphinx-", "sphinxcontrib-", "mkdocs-", "mypy-boto3-")
DEV_SUFFIXES = ("-stubs",)


def is_dev_tool(name: str) -> bool:
    name = canonicalize_name(name)
    return name in DEV_TOOLS or name.startswith(DEV_PREFIXES) or name.endswith(DEV_SUFFIXES)


def split_dev_tools(roots: Iterable[Root], *, keep: Iterable[str]) -> tuple[list[Root], list[Dropped]]:
    """(the roots that stay, the development tools taken out) unless the spec says to keep one."""
    kept_names = {canonicalize_name(k) for k in keep}
    stay, dropped = [], []
    for root in roots:
        if is_dev_tool(root.name) and root.name not in kept_names:
            dropped.append(Dropped(root.name, f"development tool ({root.origin})"))
        else:
            stay.append(root)
    return stay, dropped


def orphans(roots: Iterable[Root], parents: Mapping[str, set[str]], dropped: Iterable[str], *,
            keep: Iterable[str]) -> list[Dropped]:
    """Roots only there because a dropped tool needs them, as `pip freeze` lists pytest's pluggy.

    `parents` maps each package to the packages that require it (uv's `# via`); a root that some package needs,
    where every such package is itself dropped, goes too. Repeats until nothing more falls away.
    """
    gone = set(dropped)
    kept_names = {canonicalize_name(k) for k in keep}
    candidates = [r for r in roots if r.name not in kept_names]
    found: list[Dropped] = []
    changed = True
    while changed:
        changed = False
        for root in candidates:
            needed_by = parents.get(root.name, set())
            if root.name not in gone and needed_by and needed_by <= gone:
                gone.add(root.name)
                found.append(Dropped(root.name, f"only needed by {', '.join(sorted(needed_by))} ({root.origin})"))
                changed = True
    return found
