"""DOC-FILES-003's fix from what the probe saw (ImageFacts made by hand: the probe itself is an integration test)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from builder.doctor import ImageFacts, check_image, gather
from builder.project import load_project

BASE = Path(__file__).resolve().parents[1] / "fixtures" / "doctor" / "base"


def _findings(tmp_path: Path, writable: list[str], path: str) -> list[str]:
    root = tmp_path / "app"
    shutil.copytree(BASE, root)
    spec = yaml.safe_load((root / "builder.yaml").read_text())
    (root / "builder.yaml").write_text(yaml.safe_dump({**spec, "writable_paths": writable}, sort_keys=False))
    facts = ImageFacts("clinic:old", "10001:10001", root=False, python="3.11",
                       paths={path: {"exists": False, "writable": False}})
    return [f"{f.id} {f.message} | {f.fix}" for f in check_image(gather(load_project(root), environ={}), facts)]


def test_a_path_already_listed_is_not_advised_again(tmp_path: Path) -> None:
    [found] = _findings(tmp_path, ["/app/uploads"], "/app/uploads")
    assert found.startswith("DOC-FILES-003 in clinic:old, /app/uploads (writable_paths) does not exist")
    assert "already under writable_paths in builder.yaml: rebuild the image" in found
    assert "list /app/uploads under writable_paths" not in found


def test_a_path_not_listed_is_advised_to_be_listed(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(BASE, root)
    spec = yaml.safe_load((root / "builder.yaml").read_text())
    spec["env"]["UPLOAD_DIR"] = "/app/uploads"
    (root / "builder.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    facts = ImageFacts("clinic:old", "10001:10001", root=False, python="3.11",
                       paths={"/app/uploads": {"exists": False, "writable": False}})
    [found] = check_image(gather(load_project(root), environ={}), facts)
    assert found.fix.startswith("list /app/uploads under writable_paths in builder.yaml")
