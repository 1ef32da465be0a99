"""Reaching the package index: which one (PyPI, or a private one from the environment), its credentials, the CA.

The private index's URL and credentials come from the environment only: they are handed to uv in its environment
and to the image build as a BuildKit secret, and never reach the lock, a layer or a message (they are masked).
"""

from __future__ import annotations

import base64
import os
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from builder.build import CA_ENV, ca_bundle
from builder.errors import BuilderError

SIMPLE_URL = "https://pypi.org/simple"
INDEX_ENV = "BUILDER_INDEX_URL"
USER_ENV = "BUILDER_INDEX_USERNAME"
PASSWORD_ENV = "BUILDER_INDEX_PASSWORD"
CA_HINT = (f"if a TLS-intercepting proxy or a private index signs with a CA this machine does not trust, pass it: "
           f"`builder lock --ca-cert FILE` or {CA_ENV}=FILE (PEM)")
_TLS_TROUBLE = ("certificate", "UnknownIssuer", "CERTIFICATE_VERIFY_FAILED", "unknown issuer", "self-signed",
                "self signed", "tls handshake")


@dataclass(frozen=True)
class IndexAccess:
    """The index to resolve against, the credentials for it, and the CA bundle to trust (None: the system's)."""

    url: str = SIMPLE_URL  # without credentials
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    ca_file: Path | None = None

    @property
    def private(self) -> bool:
        return self.url != SIMPLE_URL

    def url_with_credentials(self) -> str:
        if not self.username and not self.password:
            return self.url
        parts = urlsplit(self.url)
        login = quote(self.username, safe="") + (f":{quote(self.password, safe='')}" if self.password else "")
        return urlunsplit(parts._replace(netloc=f"{login}@{parts.netloc}"))

    def headers_for(self, url: str) -> dict[str, str]:
        """Basic auth for URLs on the index's host only: a file served by another host never sees the password."""
        if not (self.username or self.password) or urlsplit(url).netloc != urlsplit(self.url).netloc:
            return {}
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def uv_env(self) -> dict[str, str]:
        """What uv's environment needs for this index and CA."""
        env = {"UV_INDEX_URL": self.url_with_credentials()} if self.private else {}
        return env | ({"SSL_CERT_FILE": str(self.ca_file)} if self.ca_file else {})

    def ssl_context(self) -> ssl.SSLContext:
        return _context(str(self.ca_file) if self.ca_file else None)

    def mask(self, text: str) -> str:
        """`text` with the credentials replaced, for messages."""
        for secret in (self.password, quote(self.password, safe="")):
            if secret:
                text = text.replace(secret, "****")
        return text


@cache
def _context(cafile: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)  # None: the system's roots (SSL_CERT_FILE honoured)


def is_tls_trouble(text: str) -> bool:
    return any(marker.lower() in text.lower() for marker in _TLS_TROUBLE)


def network_hint(text: str) -> str:
    """What to do about a network failure; the CA options when the failure is about a certificate."""
    if is_tls_trouble(text):
        return f"{CA_HINT}; then run it again"
    return "check the network and that the package index is reachable, then run it again"


@contextmanager
def index_access(*, ca_cert: Path | None, environ: Mapping[str, str] | None = None) -> Iterator[IndexAccess]:
    """The index from BUILDER_INDEX_URL (and _USERNAME/_PASSWORD), the CA from --ca-cert or BUILDER_CA_CERT."""
    env = os.environ if environ is None else environ
    raw = env.get(INDEX_ENV, "").strip() or SIMPLE_URL
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BuilderError(f"{INDEX_ENV} is not an http(s) URL", field=INDEX_ENV,
                           hint="set it to the index's simple API, e.g. https://pypi.example.com/simple")
    username = env.get(USER_ENV, "") or (parts.username or "")
    password = env.get(PASSWORD_ENV, "") or (parts.password or "")
    bare = urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")))
    extra = ca_cert or (Path(env[CA_ENV]) if env.get(CA_ENV) else None)
    with ca_bundle(extra) as bundle:
        yield IndexAccess(bare.rstrip("/") or SIMPLE_URL, username, password, bundle)
