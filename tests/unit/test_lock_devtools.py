"""Development tools and what only they need are left out of the production lock."""

from __future__ import annotations

from builder.lock.devtools import is_dev_tool, orphans, split_dev_tools
from builder.lock.model import Root


def roots(*names: str) -> list[Root]:
    return [Root(f"{n}==1.0", n, f"requirements.txt:{i}", pinned=True) for i, n in enumerate(names, 1)]


def test_well_known_tools_by_name_prefix_and_suffix() -> None:
    for name in ("pytest", "Black", "ruff", "mypy", "ipython", "pytest-cov", "types-requests", "django-stubs",
                 "pre_commit"):
        assert is_dev_tool(name), name
    for name in ("flask", "gunicorn", "mypy-extensions", "typing-extensions", "packaging", "setuptools"):
        assert not is_dev_tool(name), name


def test_split_names_the_line_and_honours_keep() -> None:
    stay, dropped = split_dev_tools(roots("flask", "pytest", "ipython"), keep=["IPython"])
    assert [r.name for r in stay] == ["flask", "ipython"]
    assert [(d.name, d.reason) for d in dropped] == [("pytest", "development tool (requirements.txt:2)")]


def test_orphans_follow_chains_and_spare_shared_packages() -> None:
    parents = {"pluggy": {"pytest"}, "iniconfig": {"pytest"}, "packaging": {"pytest", "gunicorn"},
               "pathspec": {"black"}, "deep": {"pluggy"}, "flask": set()}
    kept = roots("flask", "gunicorn", "pluggy", "iniconfig", "packaging", "pathspec", "deep")
    found = orphans(kept, parents, ["pytest", "black"], keep=[])
    assert [d.name for d in found] == ["pluggy", "iniconfig", "pathspec", "deep"]
    assert found[0].reason == "only needed by pytest (requirements.txt:3)"
    assert found[3].reason.startswith("only needed by pluggy")


def test_orphans_keep_what_the_spec_keeps() -> None:
    found = orphans(roots("pluggy"), {"pluggy": {"pytest"}}, ["pytest"], keep=["pluggy"])
    assert found == []
