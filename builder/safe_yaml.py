"""YAML that cannot hurt the reader: bounded size, depth and alias expansion, finite numbers, no control characters.

builder.yaml, render.yaml and compose files arrive in pull requests. A YAML parser will happily build a
billion-laughs alias bomb, a list that contains itself or a 5000-digit integer; everything after it (validation,
line indexes, templates) would then hang or crash. Here each of those is a `MarkedYAMLError` with a line and a hint,
raised before anything walks the document.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

MAX_CHARACTERS = 256 * 1024  # a spec is a few KB; the largest compose or Blueprint files are tens of KB
MAX_DEPTH = 32  # nesting, with aliases expanded
MAX_NODES = 20_000  # values and keys, with aliases expanded
MAX_DIGITS = 30  # wider than any port, budget or count; int() of 5000 digits is refused by Python itself
# Raw in the file: what neither YAML nor a generated file should carry (tab, newline and CR are YAML's own).
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
# In a value (after escapes like "\0" or "\x1b" are decoded): the same, and CR.
VALUE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser is fast and not recursive


class UnsafeYaml(yaml.MarkedYAMLError):
    """A document refused before it is walked; `hint` says what to do."""

    def __init__(self, problem: str, mark: Any, hint: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint
        self.field = ".".join(path)


class _Loader(_Base):  # type: ignore[misc]
    """SafeLoader whose numbers are bounded and finite and whose constructors never raise a bare ValueError."""

    paths: dict[int, tuple[str, ...]] = {}  # noqa: RUF012 (set per document by load_yaml)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # `!!int ` (empty), `!!float x`, `!!timestamp 2020-13-45`: the value, not a bug
            raise self.refuse(node, f"{node.tag.rsplit(':', 1)[-1]} value {clip(str(node.value))!r} cannot be read: "
                              f"{clip(str(exc))}", "write it as plain text, in quotes") from None

    def refuse(self, node: yaml.Node, problem: str, hint: str) -> UnsafeYaml:
        return UnsafeYaml(problem, node.start_mark, hint, self.paths.get(id(node), ()))

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        self.bounded(node)
        return int(super().construct_yaml_int(node))

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        self.bounded(node)
        value = float(super().construct_yaml_float(node))
        if not math.isfinite(value):
            raise self.refuse(node, f"{node.value} is not a finite number", "give a number, e.g. 500")
        return value

    def construct_yaml_binary(self, node: yaml.ScalarNode) -> bytes:
        raise self.refuse(node, "binary values (!!binary) have no place here", "write the value as text")

    def bounded(self, node: yaml.ScalarNode) -> None:
        if len(str(node.value)) > MAX_DIGITS:
            raise self.refuse(node, f"a number of {len(str(node.value))} characters is out of range",
                              f"numbers here have at most {MAX_DIGITS} digits")


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)
_Loader.add_constructor("tag:yaml.org,2002:binary", _Loader.construct_yaml_binary)


def clip(text: str, limit: int = 80) -> str:
    """Text short enough to quote in a message: an error never repeats a huge input in full."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


SafeYamlLoader = _Loader  # subclass it to construct differently (lint's line-remembering mappings)


def load_yaml(text: str, *, loader: type[SafeYamlLoader] = SafeYamlLoader) -> tuple[Any, yaml.Node | None]:
    """The document and its node tree, after every check above. Raises yaml.YAMLError (UnsafeYaml for refusals)."""
    text = text.removeprefix("\ufeff")
    _refuse_raw(text)
    _refuse_deep_events(text)
    node = yaml.compose(text, Loader=loader)
    if node is None:
        return None, None
    walk = _Walk()
    walk.size(node, ())
    constructor = loader("")
    constructor.paths = walk.paths
    try:
        return constructor.construct_document(node), node
    finally:
        constructor.dispose()


def _refuse_raw(text: str) -> None:
    if len(text) > MAX_CHARACTERS:
        raise UnsafeYaml(f"the file has {len(text)} characters, more than the {MAX_CHARACTERS} builder reads",
                         _mark(text, MAX_CHARACTERS), "this is not a hand-written configuration file: check its source")
    if found := _RAW_CONTROL.search(text):
        raise UnsafeYaml(f"a control character (U+{ord(found.group()):04X}) in the file", _mark(text, found.start()),
                         "delete it: it is invisible in most editors")


def _refuse_deep_events(text: str) -> None:
    """Nesting is counted on the event stream, which has no recursion, before the (recursive) composer runs."""
    depth = 0
    for event in yaml.parse(text, Loader=_Base):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _too_deep(mark: Any, path: tuple[str, ...] = ()) -> UnsafeYaml:
    return UnsafeYaml(f"nesting deeper than {MAX_DEPTH} levels", mark, "no field of builder's files nests this deep",
                      path)


class _Walk:
    """Size and height of the node graph with aliases expanded, each node measured once: a bomb is counted, never
    expanded, and a reused anchor is checked against the depth it is used at. Remembers each node's field path."""

    def __init__(self) -> None:
        self.measured: dict[int, tuple[int, int]] = {}  # id(node) -> (values, height)
        self.paths: dict[int, tuple[str, ...]] = {}
        self.open: set[int] = set()

    def size(self, node: yaml.Node, path: tuple[str, ...]) -> tuple[int, int]:
        self.paths.setdefault(id(node), path)
        if id(node) in self.open:
            raise UnsafeYaml("an alias refers to a value that contains it (recursion)", node.start_mark,
                             "an anchor (&name) cannot be used (*name) inside its own value", path)
        if len(path) > MAX_DEPTH:  # before measuring: the walk itself recurses
            raise _too_deep(node.start_mark, path)
        total, height = self.measured.get(id(node)) or self._measure(node, path)
        if len(path) + height > MAX_DEPTH + 1:
            raise _too_deep(node.start_mark, path)
        return total, height

    def _measure(self, node: yaml.Node, path: tuple[str, ...]) -> tuple[int, int]:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path), 1
        self.open.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            parts = [self.size(child, (*path, str(i))) for i, child in enumerate(node.value)]
        else:
            parts = [self.size(n, (*path, clip(str(k.value), 40))) for k, v in node.value for n in (k, v)]
        self.open.discard(id(node))
        total, height = 1 + sum(p[0] for p in parts), 1 + max((p[1] for p in parts), default=0)
        if total > MAX_NODES:
            raise UnsafeYaml(f"the document expands to more than {MAX_NODES} values (aliases are counted each time "
                             "they are used)", node.start_mark, "write the values out, or use fewer aliases (*name)",
                             path)
        self.measured[id(node)] = (total, height)
        return total, height

    @staticmethod
    def _scalar(node: yaml.ScalarNode, path: tuple[str, ...]) -> int:
        if found := VALUE_CONTROL.search(str(node.value)):
            raise UnsafeYaml(f"a control character (U+{ord(found.group()):04X}) in a value", node.start_mark,
                             "remove it (an escape like \\0 or \\x1b in a quoted value makes one)", path)
        return 1


def _mark(text: str, index: int) -> yaml.Mark:
    line = text.count("\n", 0, index)
    return yaml.Mark("<file>", index, line, index - (text.rfind("\n", 0, index) + 1), None, 0)
