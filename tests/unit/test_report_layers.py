"""Layers read from a `docker save` stream: bytes per layer and directory, and the wasted bytes, on crafted saves."""

from __future__ import annotations

import gzip as gzip_module
import hashlib
import io
import json
import tarfile

import pytest

from builder.errors import BuilderError
from builder.report.layers import apply_layers, bytes_under, directory_sizes, read_saved_image

Files = dict[str, bytes | None]  # path -> content; None makes a directory


def layer_tar(files: Files) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, content in files.items():
            info = tarfile.TarInfo(path)
            if content is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def config(instructions: list[str]) -> bytes:
    """History with one metadata entry (ENV) that made no layer, as real images have."""
    history = [{"created_by": instructions[0]}, {"created_by": "ENV A=1", "empty_layer": True}]
    history += [{"created_by": text} for text in instructions[1:]]
    return json.dumps({"history": history}).encode()


def add(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    tar.addfile(info, io.BytesIO(content))


def saved_image(layers: list[Files], *, oci: bool = False, repeat_first: bool = False, gzip: bool = False) -> bytes:
    """A `docker save` stream: classic (<id>/layer.tar, <id>.json) or OCI (blobs/sha256/...), manifest last."""
    instructions = [f"RUN step {i}" for i in range(len(layers))]
    blobs = [zlib_gzip(layer_tar(files)) if gzip else layer_tar(files) for files in layers]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        names = []
        for i, blob in enumerate(blobs):
            digest = hashlib.sha256(blob + bytes([i])).hexdigest()
            name = f"blobs/sha256/{digest}" if oci else f"{digest}/layer.tar"
            add(tar, name, blob)
            names.append(name)
        if repeat_first:  # the classic layout links a layer that repeats to its first copy
            link = tarfile.TarInfo("repeat/layer.tar")
            link.type, link.linkname = tarfile.SYMTYPE, f"../{names[0]}"
            tar.addfile(link)
            names.append("repeat/layer.tar")
            instructions.append("RUN the first step again")
        add(tar, "config.json", config(instructions))
        add(tar, "manifest.json", json.dumps([{"Config": "config.json", "Layers": names}]).encode())
    return buffer.getvalue()


def zlib_gzip(blob: bytes) -> bytes:
    return gzip_module.compress(blob)


def chunks(blob: bytes, size: int = 1000) -> list[bytes]:
    return [blob[i:i + size] for i in range(0, len(blob), size)]


BASE: Files = {"usr/": None, "usr/lib/libbig.so": b"x" * 5000, "etc/passwd": b"root\n", "hello": b"hi"}


def test_overwritten_and_deleted_files_are_wasted() -> None:
    later: Files = {"etc/passwd": b"root\napp\n", "usr/lib/.wh.libbig.so": b""}
    fs = apply_layers(read_saved_image(chunks(saved_image([BASE, later]))))
    assert fs.waste.wasted_bytes == 5000 + 5
    assert fs.waste.layer_bytes == 5000 + 5 + 2 + 9
    assert fs.waste.efficiency == pytest.approx(1 - 5005 / 5016)
    assert [(w.path, w.size_bytes, w.written_in, w.hidden_in) for w in fs.waste.largest] == [
        ("/usr/lib/libbig.so", 5000, 0, 1), ("/etc/passwd", 5, 0, 1)]
    assert [(layer.size_bytes, layer.files, layer.wasted_bytes) for layer in fs.layers] == [(5007, 3, 5005),
                                                                                              (9, 1, 0)]
    assert "usr/lib/libbig.so" not in fs.visible


def test_a_whiteout_of_a_directory_hides_everything_below_it() -> None:
    fs = apply_layers(read_saved_image([saved_image([BASE, {".wh.usr": b""}])]))
    assert fs.waste.wasted_bytes == 5000
    assert not [path for path in fs.visible if path.startswith("usr")]


def test_an_opaque_directory_hides_the_lower_layers_only() -> None:
    """The marker may come after the new files in its own layer: those stay."""
    later: Files = {"usr/lib/": None, "usr/lib/new.so": b"n" * 70, "usr/lib/.wh..wh..opq": b""}
    fs = apply_layers(read_saved_image([saved_image([BASE, later])]))
    assert fs.waste.wasted_bytes == 5000
    assert fs.visible["usr/lib/new.so"] == (1, 70)
    assert "usr" in fs.visible  # the directory itself stays


@pytest.mark.parametrize(("oci", "gzip"), [(False, False), (True, False), (True, True)],
                         ids=["classic", "oci", "oci-gzip"])
def test_both_save_layouts_give_the_same_layers(oci: bool, gzip: bool) -> None:
    saved = read_saved_image(chunks(saved_image([BASE, {"app/code.py": b"print()"}], oci=oci, gzip=gzip), 333))
    assert saved.created_by == ["RUN step 0", "RUN step 1"]  # the ENV entry made no layer
    assert [[e.path for e in layer] for layer in saved.layers] == [
        ["usr", "usr/lib/libbig.so", "etc/passwd", "hello"], ["app/code.py"]]


def test_a_repeated_layer_linked_to_its_first_copy_counts_twice() -> None:
    saved = read_saved_image([saved_image([BASE, {"hello": b"hello"}], repeat_first=True)])
    assert len(saved.layers) == 3
    assert saved.layers[2] == saved.layers[0]
    fs = apply_layers(saved)
    # Layer 2 writes every file of layer 0 again over layers 0 and 1.
    assert fs.waste.wasted_bytes == 5000 + 5 + 2 + 5


def test_directory_sizes_and_bytes_under() -> None:
    fs = apply_layers(read_saved_image([saved_image([BASE, {"opt/venv/lib/x.py": b"y" * 30}])]))
    assert [(d.path, d.size_bytes) for d in directory_sizes(fs.visible)] == [
        ("/usr", 5000), ("/opt", 30), ("/etc", 5), ("/", 2)]
    assert bytes_under(fs.visible, "/opt/venv") == 30
    assert bytes_under(fs.visible, "/opt/ven") == 0


def test_a_save_without_a_manifest_is_a_clear_error() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        add(tar, "index.json", b"{}")
    with pytest.raises(BuilderError, match=r"manifest\.json"):
        read_saved_image([buffer.getvalue()])
