"""builder lock: the app's dependency input -> a production lock for the image's Python, with what was found.

Reads the input (inputs), takes out development tools (devtools), resolves with uv for the target (resolve),
judges each pin against the target's Python (compat), names what source builds need (buildneeds), weighs the
wheels (index), and composes the lock file (lockfile). Returns data; the command writes and prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from packaging.utils import canonicalize_name

from builder.bases import python_base
from builder.errors import BuilderError
from builder.lock.buildneeds import build_needs, is_known
from builder.lock.compat import Verdict, files_of, judge, nearest_working
from builder.lock.controls import Controls, controls_for, imported_tools, override_lines, require_python
from builder.lock.devtools import orphans, split_dev_tools
from builder.lock.errors import IncompatiblePins, LockInputError, ResolutionFailed
from builder.lock.index import IndexFile, WheelSizes, project_files, sdist_language
from builder.lock.inputs import find_source, read_input
from builder.lock.lockfile import LockFacts, Stamp, compose, content_hash
from builder.lock.model import GLIBC, Dropped, LockInput, LockResult, Pin, Root, SourceBuild, Target, Weight, Workaround
from builder.lock.network import IndexAccess
from builder.lock.resolve import CONSTRAINTS, OVERRIDES, ROOTS, Resolver, find_uv
from builder.lock.server import describe, pkg_resources_workaround, server_roots, workaround_root
from builder.spec import AppSpec

HEAVY_MB = 25.0
WORKERS = 8
T = TypeVar("T")
R = TypeVar("R")


def target_for(spec: AppSpec, *, arch: str = "x86_64") -> Target:
    """The image's interpreter and platform: the spec's Python on the base image's glibc."""
    return Target(spec.python, arch, GLIBC[python_base(spec.python).suite])


def make_lock(spec: AppSpec, root: Path, *, arch: str = "x86_64", heavy_mb: float = HEAVY_MB,
              cache_dir: Path, access: IndexAccess | None = None) -> LockResult:
    """Resolve the app's production dependencies for its image and report on them. Writes nothing."""
    access = access or IndexAccess()
    target = target_for(spec, arch=arch)
    source, detected = find_source(root, spec.dependencies)
    lock_input = read_input(source, root, spec.dependencies)
    require_python(lock_input, target, root)
    controls = controls_for(spec.dependencies)
    resolver = Resolver(find_uv(), target, lock_input, access, controls.constraints, controls.overrides)
    kept = imported_tools(root, lock_input.roots)
    roots, dropped, notes = _production_roots(lock_input, resolver, keep=[*spec.dependencies.keep, *kept])
    added = server_roots(spec, roots)
    roots = [*roots, *added]
    text, pins, judged, fallback = _resolve(resolver, roots, root)
    workarounds = _workarounds(pins, roots, controls)
    if workarounds:  # resolved again with what the image needs to start: only an old gunicorn costs this
        roots = [*roots, *(workaround_root(w) for w in workarounds)]
        text, pins, judged, fallback = _resolve(resolver, roots, root)
    notes += fallback
    source_builds = _source_builds(pins, access, allowed=spec.dependencies.build_from_source)
    weights = _weigh(pins, heavy_mb=heavy_mb, sizes=WheelSizes(cache_dir / "wheel-sizes.json", access))
    overrides = override_lines(controls.overrides, pins, lock_input.roots, target=target)
    facts = facts_for(spec.dependencies.lock, source_builds)
    comments = _comments(lock_input, target, [*lock_input.left_out, *dropped], source_builds, weights)
    added_lines = [*describe(spec, added), *(f"{w.added}: {w.reason}" for w in workarounds)]
    comments += [f"added: {line}" for line in added_lines]
    comments += [f"override: {line}" for line in overrides] + [f"kept: {n}: {why}" for n, why in kept.items()]
    comments += [f"note: {note}" for note in notes]
    stamp = stamp_for(spec, root, lock_input, target)
    return LockResult(input=lock_input, target=target, lock_name=spec.dependencies.lock,
                      text=compose(body=_relabel(text, lock_input), stamp=stamp, facts=facts, comments=comments),
                      pins=tuple(pins), dropped=(*lock_input.left_out, *dropped), weights=weights,
                      source_builds=source_builds, heavy_mb=heavy_mb, detected=detected, notes=tuple(notes),
                      added=tuple(added_lines), overrides=tuple(overrides), workarounds=tuple(workarounds),
                      kept=tuple(f"{n}: {why}" for n, why in kept.items()), evidence=_evidence(pins, judged, target))


def stamp_for(spec: AppSpec, root: Path, lock_input: LockInput, target: Target) -> Stamp:
    """What decides the lock's content: what the input asks for, the target and the spec's dependency choices."""
    asked = [*lock_input.options, *(r.text for r in lock_input.roots), "--", *lock_input.constraints,
             "--", *(f"{d.name}: {d.reason}" for d in lock_input.left_out)]
    # Only when the server adds something, so a lock that needed nothing keeps its stamp.
    asked += [f"server: {r.text}" for r in server_roots(spec, lock_input.roots)]
    deps = spec.dependencies
    asked += [f"override: {o}" for o in deps.overrides] + [f"constraint: {c}" for c in deps.constraints]
    asked += [f"kept, imported: {name}" for name in imported_tools(root, lock_input.roots)]
    return Stamp(source=lock_input.source, python=target.python, platform=target.uv_platform,
                 extras=tuple(deps.extras), keep=tuple(sorted(deps.keep)),
                 files=tuple(_relative(f, root) for f in lock_input.files), requirements=content_hash("\n".join(asked)))


def facts_for(lock: str, builds: Iterable[SourceBuild]) -> LockFacts:
    builds = list(builds)
    return LockFacts(lock, tuple(sorted({p for b in builds for p in b.build_packages})),
                     tuple(sorted({p for b in builds for p in b.runtime_packages})),
                     tuple(f"{b.name}=={b.version}" for b in builds))


def _workarounds(pins: list[Pin], roots: list[Root], controls: Controls) -> list[Workaround]:
    """What lock adds so that what it locked starts in the image (the image has nothing the lock does not bring)."""
    found = pkg_resources_workaround(pins, roots, controls=[*controls.overrides, *controls.constraints])
    return [found] if found else []


def _production_roots(lock_input: LockInput, resolver: Resolver, *,
                      keep: list[str]) -> tuple[list[Root], list[Dropped], list[str]]:
    """The input's roots less development tools and, for a frozen input, less what only those tools needed.

    A frozen input (`pip freeze`: every line pinned) lists pytest's pluggy as if the app asked for it; a hand-written
    input names only what the app wants, so there a listed package stays. Returns notes on what could not be done.
    """
    roots, dropped = split_dev_tools(lock_input.roots, keep=keep)
    notes: list[str] = []
    if dropped and roots and all(r.pinned for r in roots):
        try:
            parents = resolver.graph(lock_input.roots)
        except ResolutionFailed:
            parents = {}
            notes.append("the development tools did not resolve together with the rest, so packages only they "
                         "need may still be in the lock")
        gone = orphans(roots, parents, [d.name for d in dropped], keep=keep)
        dropped += gone
        roots = [r for r in roots if r.name not in {d.name for d in gone}]
    if not roots:
        raise LockInputError(f"{lock_input.source} has nothing left for production once development tools are out",
                             hint="list the app's run-time packages, or name a dropped one in dependencies.keep")
    return roots, dropped, notes


@dataclass(frozen=True)
class _Judged:
    pin: Pin
    verdict: Verdict
    files: list[IndexFile]  # every file of the project, all versions


def _resolve(resolver: Resolver, roots: list[Root],
             root: Path) -> tuple[str, list[Pin], list[_Judged], list[str]]:
    """(hashed text, pins, the pins judged from the index, notes); a poetry.lock that does not fit the image's
    Python gives way to the ranges in pyproject.toml, and the note says why."""
    try:
        return (*_resolve_once(resolver, roots, root), [])
    except (ResolutionFailed, IncompatiblePins) as failure:
        lock_input = resolver.lock_input
        if lock_input.kind != "poetry" or not lock_input.constraints:
            raise
        problems = getattr(failure, "problems", ()) or (failure,)
        why = problems[0].message.splitlines()[0]
    ranged = replace(resolver, lock_input=replace(lock_input, constraints=()))
    note = (f"the versions in {lock_input.source} do not install on Python {resolver.target.python} ({why}); "
            "locked from the ranges in pyproject.toml instead: run `poetry lock` to bring poetry.lock along")
    return (*_resolve_once(ranged, roots, root), [note])


def _resolve_once(resolver: Resolver, roots: list[Root], root: Path) -> tuple[str, list[Pin], list[_Judged]]:
    source = root / resolver.lock_input.source
    try:
        text, pins = resolver.pins(roots)
    except ResolutionFailed as failure:
        raise _explain(failure, roots, resolver.target, source, resolver.access) from None
    judged = _judge_suspects(pins, resolver.target, resolver.access)
    _fail_on_incompatible(judged, roots, resolver.target, source)
    return text, pins, judged


def _evidence(pins: list[Pin], judged: list[_Judged], target: Target) -> tuple[tuple[str, str], ...]:
    """(package, the file that decides it installs), from the index where the target's files alone cannot tell."""
    from_index = {j.pin.name: j.verdict.evidence for j in judged if j.verdict.evidence}
    plain = {True: "a pure-Python wheel", False: f"a wheel for {target.interpreter}"}
    return tuple((p.name, from_index.get(p.name) or (plain[p.pure] if p.wheels else "its sdist")) for p in pins)


def _judge_suspects(pins: list[Pin], target: Target, access: IndexAccess) -> list[_Judged]:
    """Pins whose target files alone cannot tell: no wheel, or only a pure wheel while other files exist."""
    suspects = [p for p in pins if not p.wheels or (p.pure and len(p.hashes) > len(p.wheels) + bool(p.sdist))]
    return _parallel(lambda pin: _judge(pin.name, pin.version, target, access, pin), suspects)


def _judge(name: str, version: str, target: Target, access: IndexAccess, pin: Pin | None = None) -> _Judged:
    files = project_files(name, access=access)
    return _Judged(pin or Pin(name, version, (), ()), judge(files_of(files, version), target), files)


def _fail_on_incompatible(judged: list[_Judged], roots: list[Root], target: Target, source: Path) -> None:
    problems = [_incompatible(j, roots, target, source) for j in judged if not j.verdict.installable]
    if problems:
        raise IncompatiblePins(f"{len(problems)} pin(s) cannot be installed on Python {target.python}",
                               hint=problems[0].hint, problems=tuple(problems))


def _incompatible(judged: _Judged, roots: list[Root], target: Target, source: Path) -> BuilderError:
    """package, version, why, and the nearest version that would work; at the input's line when it is a root."""
    pin = judged.pin
    nearest = nearest_working(judged.files, pin.version, target)
    root = next((r for r in roots if r.name == pin.name), None)
    line_text = root.origin.rsplit(":", 1)[-1] if root else ""
    if nearest:
        hint = f"pin {pin.name}=={nearest}, the nearest version that installs on Python {target.python}"
    else:
        hint = f"no release of {pin.name} installs on Python {target.python}: choose another Python or package"
    if root is None:
        needed_by = ", ".join(v for v in pin.via if not v.startswith("-")) or "another package"
        hint += f"; it is not in your input, so upgrade what requires it ({needed_by})"
    return BuilderError(f"{pin.name} {pin.version} cannot be installed on Python {target.python}: "
                        f"{judged.verdict.reason}", hint=hint, file=source,
                        line=int(line_text) if line_text.isdigit() else None)


def _explain(failure: ResolutionFailed, roots: list[Root], target: Target, source: Path,
             access: IndexAccess) -> BuilderError:
    """A resolution failure caused by a pin the target's Python cannot take, told as that; else uv's own words."""
    named = [r for r in roots if r.pinned and r.name in failure.message.lower()]
    pinned = [(r.name, r.text.split("==", 1)[1].split(";", 1)[0].strip()) for r in named]
    judged = _parallel(lambda item: _judge(item[0], item[1], target, access), pinned)
    try:
        _fail_on_incompatible(judged, roots, target, source)
    except IncompatiblePins as incompatible:
        return incompatible
    return failure


def _source_builds(pins: list[Pin], access: IndexAccess, *, allowed: list[str]) -> tuple[SourceBuild, ...]:
    """Pins with no wheel for the target, what building each needs, and whether the spec allows it."""
    accepted = {canonicalize_name(name) for name in allowed}

    def needs(pin: Pin) -> SourceBuild:
        language = (sdist_language(pin.sdist.url, pin.sdist.size, access=access) if pin.sdist
                    and not is_known(pin.name) else "c")
        return replace(build_needs(pin.name, pin.version, language=language), allowed=pin.name in accepted)

    return tuple(_parallel(needs, [p for p in pins if not p.wheels]))


def _weigh(pins: list[Pin], *, heavy_mb: float, sizes: WheelSizes) -> tuple[Weight, ...]:
    """Each pin's unpacked size on the target, heaviest first; source builds last, size unknown."""
    def size(pin: Pin) -> int | None:
        wheel = max(pin.wheels, key=lambda w: w.size) if pin.wheels else None
        return sizes.unpacked(wheel.url, wheel.size, wheel.sha256) if wheel else None

    measured = _parallel(size, pins)
    sizes.save()
    weights = [Weight(p.name, p.version, n, n is not None and n >= heavy_mb * 1e6) for p, n in zip(pins, measured,
                                                                                                   strict=True)]
    return tuple(sorted(weights, key=lambda w: (w.unpacked_bytes is None, -(w.unpacked_bytes or 0), w.name)))


def _relabel(text: str, lock_input: LockInput) -> str:
    """uv names the scratch files in `# via`; say the app's input instead."""
    own = f"-r {lock_input.source}" if lock_input.kind == "requirements" else lock_input.source
    text = text.replace(f"-r {ROOTS}", own).replace(f"-c {CONSTRAINTS}", f"-c {lock_input.source}")
    return text.replace(f"--override {OVERRIDES}", "builder.yaml dependencies.overrides")


def _comments(lock_input: LockInput, target: Target, dropped: list[Dropped], builds: tuple[SourceBuild, ...],
              weights: tuple[Weight, ...]) -> list[str]:
    source = lock_input.source
    lines = [f"Generated by `builder lock` from {source} for {target.describe()}.",
             f"Edit {source} (or dependencies in builder.yaml), then run `builder lock`; CI: `builder lock --check`.",
             "The image installs from this file only, with --require-hashes."]
    lines += [f"left out: {d.name}: {d.reason}" for d in dropped]
    lines += [f"built from source: {b.describe()}" for b in builds]
    total = sum(w.unpacked_bytes or 0 for w in weights)
    wheels = sum(1 for w in weights if w.unpacked_bytes is not None)
    lines.append(f"unpacked on the target: {total / 1e6:.1f} MB in {wheels} wheels"
                 + (f", plus {len(builds)} built from source" if builds else ""))
    return lines


def _parallel(work: Callable[[T], R], items: list[T]) -> list[R]:
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(work, items))


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return path.name
