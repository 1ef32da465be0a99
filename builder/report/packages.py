"""Bytes per installed Python distribution, read inside the image by its own interpreter as the image's own user.

Each distribution owns the files its RECORD lists (console scripts in bin/ too) plus the byte-code caches of its
top-level packages and modules, which installers compile after writing RECORD. What nobody claims is reported as
unattributed, so the parts always add up to the whole of site-packages.
"""

from __future__ import annotations

import json
from typing import Any

from docker.errors import APIError

from builder.containers import Run, throwaway, wait_for_exit
from builder.errors import engine_words
from builder.report.model import Packages, PackageSize

INTERPRETERS = ("python3", "python")
RUN_TIMEOUT = 120
# Runs inside the image: standard library only, Python 3.8 and later.
SCRIPT = r"""
import json, os, site, stat, sys
from importlib import metadata
def files(root):
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                yield path, info
def top(path, root):
    first = os.path.relpath(path, root).split(os.sep)[0]
    if first == "__pycache__":
        first = os.path.basename(path).split(".")[0]
    return first[:-3] if first.endswith(".py") else first
seen, owner, sizes, meta, locations, unclaimed = set(), {}, {}, {}, {}, 0
roots = [r for r in dict.fromkeys(os.path.realpath(p) for p in site.getsitepackages()) if os.path.isdir(r)]
for root in roots:
    for dist in metadata.distributions(path=[root]):
        name = dist.metadata["Name"] or "?"
        key = name.lower().replace("_", "-")
        if key in meta:
            continue
        meta[key], locations[key], sizes[key] = (name, dist.version), root, 0
        for record in dist.files or []:
            path = os.path.realpath(dist.locate_file(record))
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                sizes[key] += info.st_size
                if path.startswith(root + os.sep):
                    owner.setdefault((root, top(path, root)), key)
for root in roots:
    for path, info in files(root):
        if (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        key = owner.get((root, top(path, root)))
        if key is None:
            unclaimed += info.st_size
        else:
            sizes[key] += info.st_size
packages = [dict(name=meta[k][0], version=meta[k][1], size_bytes=sizes[k], location=locations[k]) for k in sizes]
print(json.dumps(dict(python=sys.executable, prefix=sys.prefix, virtualenv=sys.prefix != sys.base_prefix,
                      packages=packages, unattributed_bytes=unclaimed)))
"""


def measure_packages(client: Any, image: str) -> tuple[Packages | None, str]:
    """The image's Python distributions and their sizes; (None, why) when the image has no usable Python."""
    failures = []
    run = Run("report")
    for interpreter in INTERPRETERS:
        with throwaway(client, image, run=run, what=f"packages-{interpreter}", command=["-c", SCRIPT],
                       entrypoint=[interpreter], network_disabled=True) as container:
            try:
                container.start()
            except APIError as exc:  # no such executable in the image: the engine refuses to start it
                reason = engine_words(exc)
                failures.append(f"no {interpreter} in the image" if "not found" in reason else reason)
                continue
            code = wait_for_exit(container, timeout=RUN_TIMEOUT)
            output = container.logs(stdout=True, stderr=False).decode(errors="replace")
            if code != 0:
                tail = container.logs(stdout=False, stderr=True, tail=3).decode(errors="replace").strip()
                failures.append(f"{interpreter} exited {code}: {tail}" if code is not None else
                                f"{interpreter} did not finish within {RUN_TIMEOUT} s: {tail}")
                continue
        return parse_packages(output), ""
    return None, "Python packages not measured: " + "; ".join(failures)


def parse_packages(output: str) -> Packages:
    """The script's JSON line (the last line: a sitecustomize may have printed before it)."""
    data = json.loads(output.strip().splitlines()[-1])
    items = [PackageSize(p["name"], p["version"], int(p["size_bytes"]), p["location"]) for p in data["packages"]]
    items.sort(key=lambda p: (-p.size_bytes, p.name.lower()))
    return Packages(data["python"], data["prefix"], bool(data["virtualenv"]), items, int(data["unattributed_bytes"]))
