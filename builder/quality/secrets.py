"""What a secret looks like: by its name (API_TOKEN=...), by its shape (AKIA..., ghp_...), or inside a URL.

One definition serves the Dockerfile policy (ENV, ARG, LABEL) and the image policy (config, history, files).
"""

from __future__ import annotations

import re

# Whole words of a variable name, so that TOKEN_URL's neighbour AUTHOR or PASSENGER_COUNT do not match.
_SECRET_WORD = re.compile(
    r"(?:^|[_.-])(PASS|PASSWD|PASSWORD|SECRET|TOKEN|APIKEY|API_KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?|AUTH)(?:$|[_.-])",
    re.IGNORECASE)
# Names that point at a secret rather than hold one.
_REFERENCE_SUFFIX = re.compile(r"[_.-](FILE|PATH|DIR|URL|HOST|PORT|ID|NAME|USER|TYPE)$", re.IGNORECASE)

# Token formats with a fixed shape; documentation examples end in EXAMPLE and are skipped by the callers' checks.
TOKEN_PATTERNS = {
    "AWS access key": rb"AKIA[0-9A-Z]{16}",
    "GitHub token": rb"gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82}",
    "GitLab token": rb"glpat-[A-Za-z0-9_-]{20}",
    "Slack token": rb"xox[abposr]-[A-Za-z0-9-]{10,}",
    "Stripe secret key": rb"sk_live_[A-Za-z0-9]{24,}",
    "Google API key": rb"AIza[0-9A-Za-z_-]{35}",
}
TOKENS = re.compile(b"|".join(b"(?:" + p + b")" for p in TOKEN_PATTERNS.values()))
PRIVATE_KEY = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_CREDENTIAL_URL = re.compile(r"://[^:/@\s]+:([^@/\s]+)@")


def secret_name(name: str) -> bool:
    """Whether a variable's name says it holds a secret (API_TOKEN, DB_PASSWORD; not PASSWORD_FILE)."""
    return bool(_SECRET_WORD.search(name)) and not _REFERENCE_SUFFIX.search(name)


def secret_assignment(name: str, value: str) -> str | None:
    """Why NAME=value looks like a secret, or None. Only an empty value holds nothing: `$OTHER` is baked in too."""
    if kind := token_kind(value.encode()):
        return f"{name} holds what looks like a {kind}"
    if _CREDENTIAL_URL.search(value):
        return f"{name} holds a URL with a password in it"
    if secret_name(name) and value:
        return f"{name} is named like a secret and has a value"
    return None


def token_kind(data: bytes) -> str | None:
    """The kind of the first token found in data, skipping documentation examples."""
    for match in TOKENS.finditer(data):
        if b"EXAMPLE" not in data[match.start() : match.end() + 16]:
            return next(kind for kind, pattern in TOKEN_PATTERNS.items() if re.fullmatch(pattern, match.group(0)))
    return None
