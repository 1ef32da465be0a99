"""Connection URLs: parsed into parts, with the password never leaving this module unredacted."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

POSTGRES_SCHEMES = ("postgres", "postgresql")
REDIS_SCHEMES = ("redis", "rediss")
SQLITE_SCHEMES = ("sqlite",)
KNOWN_SCHEMES = (*POSTGRES_SCHEMES, *REDIS_SCHEMES, *SQLITE_SCHEMES, "mysql", "mariadb")
# Names a private network resolves: Docker service names, Render's internal hosts (dpg-..-a, red-..), k8s services.
PRIVATE_SUFFIXES = (".local", ".internal", ".svc", ".cluster.local", ".localhost")
SUPABASE_POOLER_SUFFIX = ".pooler.supabase.com"
TRANSACTION_POOLER_PORT = 6543


class UnparsableUrl(ValueError):
    """The value names a database scheme but is not a well-formed URL; the reason never contains the value."""


@dataclass(frozen=True)
class ConnectionUrl:
    """A database or cache URL, e.g. postgresql+psycopg://user:***@host:5432/db?sslmode=require."""

    scheme: str  # as written, e.g. postgresql+psycopg
    base: str  # postgresql
    driver: str | None  # psycopg
    host: str | None
    port: int | None
    username: str | None
    has_password: bool
    path: str
    query: dict[str, str]
    raw: str

    @property
    def is_postgres(self) -> bool:
        return self.base in POSTGRES_SCHEMES

    @property
    def is_redis(self) -> bool:
        return self.base in REDIS_SCHEMES

    @property
    def is_sqlite(self) -> bool:
        return self.base in SQLITE_SCHEMES

    @property
    def external(self) -> bool:
        return is_external_host(self.host)

    def redacted(self, *, scheme: str | None = None) -> str:
        """The URL with the password (and any password query parameter) as ***, optionally with a new scheme."""
        parts = urlsplit(self.raw)
        netloc = parts.netloc
        if self.has_password:
            userinfo, _, hostport = netloc.rpartition("@")
            netloc = f"{userinfo.partition(':')[0]}:***@{hostport}"
        query = "&".join(f"{k}={'***' if 'password' in k.lower() else v}" for k, v in self.query.items())
        text = f"{scheme or parts.scheme}://{netloc}{parts.path}"
        return f"{text}?{query}" if query else text


def parse_url(value: str) -> ConnectionUrl | None:
    """The URL in `value` if it names a database or cache scheme; None for anything else."""
    if "://" not in value:
        return None
    scheme = value.split("://", 1)[0].lower()
    base, _, driver = scheme.partition("+")
    if base not in KNOWN_SCHEMES:
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # `[::1/db`: an IPv6 host with no closing bracket, or a bracket where none belongs
        raise UnparsableUrl("the host part is malformed (an unclosed `[` around an IPv6 address?)") from None
    if parts.fragment:
        raise UnparsableUrl("a `#` cuts the URL short (the rest is read as a fragment)")
    try:
        port = parts.port
    except ValueError:
        raise UnparsableUrl("the port is not a number, so the host part is cut in the wrong place") from None
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    return ConnectionUrl(scheme=scheme, base=base, driver=driver or None, host=host, port=port,
                         username=parts.username, has_password=parts.password is not None, path=parts.path,
                         query=query, raw=value)


def is_external_host(host: str | None) -> bool:
    """Whether traffic to `host` leaves the private network: a public IP, or a dotted name that is not private."""
    if not host or host == "localhost" or host.endswith(PRIVATE_SUFFIXES):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return "." in host


def is_supabase_direct(host: str | None) -> bool:
    """db.<project-ref>.supabase.co: IPv6 only unless the project buys the IPv4 add-on."""
    return host is not None and host.startswith("db.") and host.endswith(".supabase.co")


def is_transaction_pooler(url: ConnectionUrl) -> bool:
    """Port 6543: Supabase's (Supavisor or PgBouncer) transaction mode."""
    return url.is_postgres and url.port == TRANSACTION_POOLER_PORT
