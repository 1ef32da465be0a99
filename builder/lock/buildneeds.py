"""What a package built from source needs: Debian packages for the builder stage, and for the runtime stage.

The names hold for bookworm and trixie alike. python3-dev carries the headers on the Debian-built stand-in bases
(the official images have their own in /usr/local/include); libc6-dev is only a recommendation of gcc, and
apt-get runs with --no-install-recommends.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from builder.lock.model import SourceBuild

C_TOOLCHAIN = ("gcc", "libc6-dev", "python3-dev")
# Debian's Rust can be older than a crate wants; the build log says so when it is.
RUST_TOOLCHAIN = (*C_TOOLCHAIN, "cargo", "rustc")

# package: (builder stage, runtime stage, a replacement that ships wheels)
KNOWN: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "psycopg2": (("libpq-dev",), ("libpq5",), "psycopg2-binary, or psycopg[binary] (psycopg 3)"),
    "mysqlclient": (("pkg-config", "default-libmysqlclient-dev"), ("libmariadb3",), "PyMySQL (pure Python)"),
    "pycairo": (("pkg-config", "libcairo2-dev"), ("libcairo2",), ""),
    "pyodbc": (("unixodbc-dev",), ("unixodbc",), ""),
}


def is_known(name: str) -> bool:
    return canonicalize_name(name) in KNOWN


def build_needs(name: str, version: str, *, language: str) -> SourceBuild:
    """The system packages a source build of `name` needs, from builder's table, else from what the sdist holds.

    `language` is what the sdist compiles (index.sdist_language): `pure` needs nothing, `c` a C toolchain, `rust`
    Rust too; headers of other libraries only the table knows.
    """
    known = KNOWN.get(canonicalize_name(name))
    if known is not None:
        build, runtime, alternative = known
        return SourceBuild(name, version, tuple(sorted({*C_TOOLCHAIN, *build})), runtime, known=True,
                           alternative=alternative)
    if language == "pure":
        return SourceBuild(name, version, (), (), known=True)
    return SourceBuild(name, version, RUST_TOOLCHAIN if language == "rust" else C_TOOLCHAIN, (), known=False)
