"""Which commit a CI run builds (from the CI system's variables, else git) and the image tags that follow from it."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from builder.registry import tag_word, with_tag

VERSION_TAG = re.compile(r"^v?\d+(\.\d+)*([.-][\w.]+)?$")


@dataclass(frozen=True)
class Commit:
    sha: str | None
    branch: str | None
    version: str | None  # a release tag on this commit, e.g. v1.2.0


def this_commit(root: Path, env: dict[str, str] | None = None) -> Commit:
    """GitHub's or GitLab's variables when they are set; git's answers in `root` otherwise."""
    env = dict(os.environ) if env is None else env
    sha = env.get("GITHUB_SHA") or env.get("CI_COMMIT_SHA") or _git(root, "rev-parse", "HEAD")
    return Commit(sha=sha, branch=_branch(root, env), version=_version(root, env))


def _branch(root: Path, env: dict[str, str]) -> str | None:
    if env.get("GITHUB_HEAD_REF"):  # a pull request: its own branch, not the merge ref
        return env["GITHUB_HEAD_REF"]
    if env.get("GITHUB_REF_TYPE") == "branch":
        return env.get("GITHUB_REF_NAME")
    if env.get("CI_COMMIT_BRANCH") or env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"):
        return env.get("CI_COMMIT_BRANCH") or env["CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"]
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    return None if branch in (None, "HEAD") else branch


def _version(root: Path, env: dict[str, str]) -> str | None:
    if env.get("GITHUB_REF_TYPE") == "tag":
        candidates = [env.get("GITHUB_REF_NAME", "")]
    elif env.get("CI_COMMIT_TAG"):
        candidates = [env["CI_COMMIT_TAG"]]
    else:
        candidates = (_git(root, "tag", "--points-at", "HEAD") or "").split()
    return next((c for c in sorted(candidates, reverse=True) if VERSION_TAG.match(c)), None)


def _git(root: Path, *argv: str) -> str | None:
    try:
        done = subprocess.run(["git", *argv], cwd=root, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def push_tags(image: str, commit: Commit) -> list[str]:
    """The commit's SHA (12 characters), its branch and its release version, as references in `image`."""
    words = [commit.sha[:12] if commit.sha else None, commit.branch, commit.version]
    return [with_tag(image, tag_word(word)) for word in dict.fromkeys(w for w in words if w)]


def cache_sources(image: str, commit: Commit, push_branch: str) -> list[str]:
    """This branch's last pushed image, then the push branch's: what a fresh runner can reuse layers from."""
    branches = [commit.branch, push_branch] if commit.branch else [push_branch]
    return [with_tag(image, tag_word(branch)) for branch in dict.fromkeys(branches)]
