"""Images built from locks, for real: hashes are enforced, and a source build gets the packages the lock names."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.build import build_image
from builder.errors import BuildFailed
from builder.generate import write_artifacts
from builder.load import load_spec
from builder.lock.lockfile import read_facts
from builder.lock.make import make_lock
from builder.lock.write import write_lock
from builder.plan.make import make_plan
from builder.targets import artifacts_for

SOURCE_APP = Path(__file__).resolve().parents[1] / "fixtures" / "lock" / "source-app"
TAG = "builder-test/lock-source:test"


@pytest.fixture
def source_image(docker_client: Any, python_stand_in: None, test_ca: tuple[Path, str],
                 tmp_path: Path) -> Iterator[str]:
    """The source-app locked, planned with the lock's facts, generated and built; removed afterwards."""
    root = tmp_path / "source-app"
    shutil.copytree(SOURCE_APP, root)
    spec = load_spec(root).spec
    write_lock(root, make_lock(spec, root, cache_dir=Path.home() / ".cache" / "builder"))
    plan = make_plan(spec, lock=read_facts(root, spec.dependencies.lock))
    write_artifacts(root, artifacts_for(plan))
    result = build_image(plan, root, docker_client, tag=TAG, ca_cert=test_ca[0])
    try:
        yield result.image_id
    finally:
        docker_client.images.remove(TAG, force=True)


def test_source_build_gets_its_packages_and_ships_none_of_the_compilers(docker_client: Any,
                                                                        source_image: str) -> None:
    code = ("import psycopg2, shutil; print(psycopg2.__version__.split()[0], "
            "[t for t in ('gcc', 'cc', 'pg_config') if shutil.which(t)])")
    out = docker_client.containers.run(source_image, ["python", "-c", code], remove=True).decode().strip()
    assert out == "2.9.10 []"


def test_a_file_that_does_not_match_its_hash_fails_the_build(docker_client: Any, python_stand_in: None,
                                                            test_ca: tuple[Path, str], sample_copy: Path) -> None:
    lock = sample_copy / "requirements.lock"
    tampered = re.sub(r"(flask==\S+ \\\n\s+--hash=sha256:)[0-9a-f]{64}", r"\g<1>" + "0" * 64, lock.read_text())
    tampered = re.sub(r"(flask==\S+ \\\n\s+--hash=sha256:0{64} \\\n\s+--hash=sha256:)[0-9a-f]{64}",
                      r"\g<1>" + "1" * 64, tampered)
    assert tampered != lock.read_text()
    lock.write_text(tampered)
    plan = make_plan(load_spec(sample_copy).spec)
    with pytest.raises(BuildFailed) as caught:
        build_image(plan, sample_copy, docker_client, tag="builder-test/lock-tampered:test", ca_cert=test_ca[0])
    assert "hash mismatch for `flask==" in caught.value.message.lower()
