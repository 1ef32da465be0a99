"""Reading uv's requirements output: pins, hashes and who requires what."""

from __future__ import annotations

from builder.lock.resolve import parse_pins

UV_OUTPUT = """\
--index-url https://pypi.org/simple
markupsafe==3.0.4 \\
    --hash=sha256:aaa \\
    --hash=sha256:bbb
    # via
    #   jinja2
    #   viable-pkg
flask==3.1.3 ; python_full_version >= '3.9' \\
    --hash=sha256:ccc
    # via -r requirements.txt
viable-pkg==1.0
    # via -r requirements.txt, flask
"""


def test_pins_hashes_and_parents() -> None:
    pins = {p.name: p for p in parse_pins(UV_OUTPUT)}
    assert list(pins) == ["markupsafe", "flask", "viable-pkg"]
    assert pins["markupsafe"].hashes == ("sha256:aaa", "sha256:bbb")
    assert pins["markupsafe"].via == ("jinja2", "viable-pkg")
    assert (pins["flask"].version, pins["flask"].via) == ("3.1.3", ("-r requirements.txt",))
    assert pins["viable-pkg"].via == ("-r requirements.txt", "flask")
