"""A private index over TLS, for real: a local HTTPS server with its own CA and basic auth, serving real wheels.

Without the CA, lock fails as a transient network problem (exit 3) naming --ca-cert; with it, lock resolves through
the index and neither the URL nor the credentials reach the lock. No container engine needed.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from builder.cli import EXIT_OK, EXIT_TRANSIENT, main

USER, PASSWORD = "ci", "s3cret-index-token"
WHEELS = ("gunicorn==23.0.0", "packaging==24.2")


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key): a leaf for 127.0.0.1 signed by a throwaway CA."""
    def run(*argv: str) -> None:
        subprocess.run(argv, check=True, capture_output=True, timeout=60, cwd=folder)

    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test index CA",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
        "-out", "server.csr")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "1", "-extfile", "san.ext", "-out", "server.pem")
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


def _simple_index(folder: Path) -> Path:
    """PEP 503 pages for real wheels fetched from PyPI, with their sha256 in the links."""
    files = folder / "files"
    subprocess.run(["pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:", "-d", str(files), *WHEELS],
                   check=True, capture_output=True, timeout=300)
    for wheel in files.glob("*.whl"):
        project = folder / "simple" / wheel.name.split("-", 1)[0].lower()
        project.mkdir(parents=True, exist_ok=True)
        sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
        (project / "index.html").write_text(f'<a href="/files/{wheel.name}#sha256={sha}">{wheel.name}</a>\n')
    return folder


@pytest.fixture(scope="module")
def private_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(the index URL without credentials, the CA that signed its certificate); stopped afterwards."""
    folder = tmp_path_factory.mktemp("index")
    ca, cert, key = _certificates(folder)
    root = _simple_index(folder)
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def do_GET(self) -> None:
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="index"')
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/simple", ca
    finally:
        server.shutdown()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_index: tuple[str, Path]) -> Path:
    url, _ = private_index
    monkeypatch.setenv("BUILDER_INDEX_URL", url)
    monkeypatch.setenv("BUILDER_INDEX_USERNAME", USER)
    monkeypatch.setenv("BUILDER_INDEX_PASSWORD", PASSWORD)
    monkeypatch.delenv("BUILDER_CA_CERT", raising=False)
    spec = {"name": "private", "python": "3.11", "app": {"module": "app:app"}, "health": {"liveness": "/health"}}
    (tmp_path / "builder.yaml").write_text(yaml.safe_dump(spec))
    (tmp_path / "app.py").write_text("app = None\n")
    (tmp_path / "requirements.txt").write_text("gunicorn==23.0.0\n")
    return tmp_path


def test_an_untrusted_certificate_is_transient_and_names_the_ca_options(
        app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--spec", str(app), "lock", "--json"]) == EXIT_TRANSIENT
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert error["kind"] == "TransientError"
    assert "`builder lock --ca-cert FILE` or BUILDER_CA_CERT=FILE" in error["hint"]
    assert "hint: if a TLS-intercepting proxy or a private index signs with a CA" in captured.err
    assert PASSWORD not in captured.out + captured.err
    assert not (app / "requirements.lock").exists()


def test_with_its_ca_the_private_index_locks_and_leaves_no_trace_in_the_lock(
        app: Path, private_index: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    url, ca = private_index
    assert main(["--spec", str(app), "lock", "--ca-cert", str(ca), "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["pins"] == {"gunicorn": "23.0.0", "packaging": "24.2"}
    lock = (app / "requirements.lock").read_text()
    assert "gunicorn==23.0.0 \\\n    --hash=sha256:" in lock
    assert PASSWORD not in lock and USER + ":" not in lock and url.split("//")[1].split("/")[0] not in lock
