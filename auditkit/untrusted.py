"""Reading text that other people wrote: size, encoding and structure checked before use.

Scenario files are shared between reviewers, known-findings and results files travel with CI
jobs, and a black box prints whatever it likes. Everything auditkit parses from such a source
goes through this module:

- :func:`read_text` refuses a file larger than :attr:`Limits.max_bytes` before reading it, and
  decodes it as UTF-8 with :func:`decode_text`: a UTF-16/32 file, a Latin-1 file or binary data
  is refused with the line and column of the first bad byte, the encoding it looks like and the
  command that converts it.
- :func:`load_yaml` parses YAML with ``safe_load`` semantics (no tag ever runs code) through an
  iterative composer that counts as it reads: nesting deeper than :attr:`Limits.max_depth`,
  more than :attr:`Limits.max_nodes` values *after alias expansion* (a "billion laughs" file is
  refused after reading a few hundred bytes of it), a key given twice in one mapping, and a
  number of more than :attr:`Limits.max_digits` digits are refused with their line. It returns
  the data and the composed node tree, whose marks give every value's line.
- :func:`load_json` does the same for JSON (depth checked before parsing; ``NaN`` and
  ``Infinity``, which JSON does not have, refused).
- :func:`excerpt` shows a value in an error message in at most a line, however large it is.

Every refusal is raised as the error class the caller passes (``ScenarioError`` for scenario
files, ``WorldError`` for worlds, ...), naming the file and, where there is one, the line.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import json
import math
import os
import re
import reprlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditkit.errors import AuditkitError

__all__ = [
    "Limits",
    "DEFAULT_LIMITS",
    "read_text",
    "decode_text",
    "sniff_encoding",
    "load_yaml",
    "load_json",
    "excerpt",
    "file_bytes",
    "collection_paused",
]

ErrorFactory = Callable[[str], Exception]


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector in the block: parsing and validating a large
    document creates hundreds of thousands of objects and no cycles, and a collection pass
    over them every few hundred allocations would double the time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@dataclass(frozen=True)
class Limits:
    """What an untrusted document may hold. The defaults admit every realistic scenario (a
    50,000-cohort file is 4 MB and 450,000 values) with a wide margin."""

    #: bytes of the file
    max_bytes: int = 32 * 2**20
    #: nesting of mappings and sequences
    max_depth: int = 64
    #: values (scalars, mappings, sequences) after every alias is expanded
    max_nodes: int = 4_000_000
    #: digits of one number (Python refuses to read integers of more than 4,300)
    max_digits: int = 400


DEFAULT_LIMITS = Limits()

_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = _SHORT.maxdict = 4
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlong = 40


def excerpt(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters, without ever building the whole
    representation (containers show their first items, strings their start)."""
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[: limit - 3] + "...")
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # a numpy scalar: show the number, not its type
    text = _SHORT.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(source: str, line: int | None = None, column: int | None = None) -> str:
    if line is None:
        return source
    return f"{source}, line {line}" + (f", column {column}" if column is not None else "")


def file_bytes(
    path: str | os.PathLike[str], *, what: str, max_bytes: int, error: ErrorFactory = AuditkitError
) -> bytes:
    """The bytes of a file, refused without reading it when it is larger than ``max_bytes``."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise error(
                f"{p}: the {what} is {size:,} bytes; at most {max_bytes:,} are read "
                f"(a {what} this large is almost certainly not the file you meant)"
            )
        with open(p, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{p}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # it grew while we read it, or it is a device
        raise error(f"{p}: the {what} is larger than {max_bytes:,} bytes")
    return data


def read_text(
    path: str | os.PathLike[str],
    *,
    what: str = "file",
    limits: Limits = DEFAULT_LIMITS,
    error: ErrorFactory = AuditkitError,
) -> str:
    """Read a UTF-8 text file of at most ``limits.max_bytes`` bytes (see :func:`decode_text`)."""
    data = file_bytes(path, what=what, max_bytes=limits.max_bytes, error=error)
    return decode_text(data, str(path), error=error)


_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "UTF-32BE"),
    (codecs.BOM_UTF16_LE, "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "UTF-16BE"),
)


def _convert_hint(source: str, encoding: str) -> str:
    name = Path(source).name or "FILE"
    return (
        f"save it as UTF-8 (in an editor: 'save with encoding UTF-8'; or run "
        f"`iconv -f {encoding} -t UTF-8 {name} > {name}.utf8` and use that file)"
    )


def sniff_encoding(data: bytes, source: str = "FILE") -> tuple[str, int | None] | None:
    """What is wrong with the start of a text file that is not UTF-8 at all: UTF-16 or UTF-32
    (with or without a byte-order mark) or binary data (a NUL byte); ``None`` when nothing is.
    Returns the problem and the byte offset it was found at (``None``: the whole file)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return (
                f"the text is {encoding} (it starts with a {encoding[:6]} byte-order mark), "
                f"not UTF-8; {_convert_hint(source, encoding[:6])}",
                None,
            )
    nul = data.find(b"\x00")
    if nul < 0:
        return None
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if len(sample) >= 4 and max(even, odd) >= len(sample) // 4 and min(even, odd) == 0:
        encoding = "UTF-16LE" if odd else "UTF-16BE"
        return (
            f"the text looks like {encoding} (every other byte is 0), not UTF-8; "
            f"{_convert_hint(source, 'UTF-16')}",
            None,
        )
    return (
        "binary data (a NUL byte), not a text file; give the text file itself, not a "
        "compressed or binary one",
        nul,
    )


def decode_text(data: bytes, source: str, *, error: ErrorFactory = AuditkitError) -> str:
    """``data`` as UTF-8 text (a UTF-8 byte-order mark is dropped).

    Refused, naming ``source``, the line and column and what the bytes look like: UTF-16 or
    UTF-32 (with or without a byte-order mark), binary data (a NUL byte) and any other
    encoding (the first byte that is not UTF-8, and whether the text reads as Latin-1).
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    problem = sniff_encoding(data, source)
    if problem is not None:
        message, offset = problem
        if offset is None:
            raise error(f"{source}: {message}")
        line, column = _position(data, offset)
        raise error(f"{_where(source, line, column)}: {message}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        bad = data[exc.start : exc.start + 4]
        try:
            data[max(0, exc.start - 200) : exc.start + 200].decode("cp1252")
            looks = "Windows-1252 or Latin-1 text"
            encoding = "WINDOWS-1252"
        except UnicodeDecodeError:
            looks = "text in another encoding, or binary data"
            encoding = "LATIN1"
        raise error(
            f"{_where(source, line, column)}: byte 0x{bad[0]:02X} is not UTF-8; the "
            f"file looks like {looks}. {_convert_hint(source, encoding)}"
        ) from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters of the decodable prefix) of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


# ---------------------------------------------------------------------------------------------
# YAML


class _Refusal(Exception):
    def __init__(self, message: str, mark: Any = None) -> None:
        super().__init__(message)
        self.mark = mark


if getattr(yaml, "__with_libyaml__", False):  # libyaml: events come from C
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _Parser(CParser):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Parser(  # type: ignore[no-redef]
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _Loader(_Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """The parser (events only), the safe constructor and the standard resolver; nodes come
    from :func:`_compose`, which checks the limits as it goes."""

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (_Refusal, yaml.YAMLError):
            raise
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            raise _Refusal(
                f"cannot read the value {excerpt(getattr(node, 'value', ''))}: {exc}",
                node.start_mark,
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, Any] = {}
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                if key.value in seen:
                    first = seen[key.value].start_mark.line + 1
                    raise _Refusal(
                        f"the key {excerpt(key.value)} is given twice in one "
                        f"mapping (first on line {first}); keep one",
                        key.start_mark,
                    )
                seen[key.value] = key
        return super().construct_mapping(node, deep)


#: Characters YAML does not allow in a document (YAML 1.1, "printable characters").
_NONPRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"


class _Open:
    """A mapping or sequence being composed: its node, data, expanded size and anchor."""

    __slots__ = ("node", "data", "size", "anchor", "key", "key_node", "keys")

    def __init__(self, node: yaml.Node, data: Any, anchor: str | None) -> None:
        self.node, self.data, self.size, self.anchor = node, data, 1, anchor
        self.key: Any = None
        self.key_node: yaml.Node | None = None
        self.keys: dict[Any, yaml.Node] = {}


def _compose(loader: _Loader, limits: Limits) -> tuple[yaml.Node | None, Any, bool]:
    """The node tree and the data of the single document, built in one pass without recursion.

    Refuses nesting deeper than ``limits.max_depth``, more than ``limits.max_nodes`` values
    after alias expansion (counted as each alias is met, so an exponential file is refused
    after a few of its lines), duplicate anchors, duplicate keys and over-long numbers.
    Returns ``(node, data, plain)``; ``plain`` is False when the document uses merge keys or
    explicit collection tags, whose data the caller then constructs from the node tree.
    """
    ev = yaml.events
    loader.get_event()  # StreamStart
    if loader.check_event(ev.StreamEndEvent):
        loader.get_event()
        return None, None, True
    loader.get_event()  # DocumentStart
    anchors: dict[str, tuple[yaml.Node, int, Any]] = {}
    stack: list[_Open] = []
    root: list[Any] = [None, None]
    total = 0
    plain = True
    tags: dict[tuple[str, Any], str] = {}  # resolved tags of plain scalars, by text
    values: dict[tuple[str, str], Any] = {}  # numbers, booleans and nulls, by tag and text

    def attach(node: yaml.Node, size: int, data: Any, mark: Any) -> None:
        nonlocal total, plain
        total += size
        if total > limits.max_nodes:
            raise _Refusal(
                f"the document holds more than {limits.max_nodes:,} values once its "
                "aliases (*name) are expanded; aliases that refer to aliases "
                "multiply (a 'billion laughs' file); write the values out or use "
                "fewer aliases",
                mark,
            )
        if not stack:
            root[0], root[1] = node, data
            return
        parent = stack[-1]
        parent.size += size
        if isinstance(parent.data, list):
            parent.node.value.append(node)
            parent.data.append(data)
        elif parent.key_node is None:
            if not isinstance(node, yaml.ScalarNode):
                raise _Refusal("a mapping key must be a plain value, not a list or a mapping", mark)
            if node.tag == _MERGE:
                plain = False
            elif data in parent.keys:
                first = parent.keys[data].start_mark.line + 1
                raise _Refusal(
                    f"the key {excerpt(node.value)} is given twice in one mapping "
                    f"(first on line {first}); keep one",
                    mark,
                )
            else:
                parent.keys[data] = node
            parent.key_node, parent.key = node, data
        else:
            parent.node.value.append((parent.key_node, node))
            parent.data[parent.key] = data
            parent.key_node = None

    while True:
        event = loader.get_event()
        if isinstance(event, ev.DocumentEndEvent):
            break
        if isinstance(event, ev.AliasEvent):
            if event.anchor not in anchors:
                raise _Refusal(
                    f"the alias *{excerpt(event.anchor)} refers to no anchor "
                    f"(&{excerpt(event.anchor)}) defined before it",
                    event.start_mark,
                )
            node, size, data = anchors[event.anchor]
            attach(node, size, data, event.start_mark)
            continue
        anchor = getattr(event, "anchor", None)
        if anchor is not None and anchor in anchors:
            raise _Refusal(
                f"the anchor &{excerpt(anchor)} is defined twice; give each anchor its own name",
                event.start_mark,  # type: ignore[union-attr]
            )
        if isinstance(event, ev.ScalarEvent):
            tag = event.tag
            value = event.value
            if tag is None or tag == "!":
                key = (value, event.implicit)
                tag = tags.get(key)
                if tag is None:
                    tag = tags[key] = loader.resolve(yaml.ScalarNode, value, event.implicit)
            start, end = event.start_mark, event.end_mark
            node = yaml.ScalarNode(tag, value, start, end, style=event.style)  # type: ignore[arg-type]
            if tag == _STR:
                data = value
            elif (tag, value) in values:
                data = values[(tag, value)]
            else:
                if tag in (_INT, _FLOAT) and len(value) > limits.max_digits:
                    raise _Refusal(
                        f"a number of {len(value):,} characters; numbers may "
                        f"have at most {limits.max_digits}",
                        event.start_mark,
                    )
                data = loader.construct_object(node) if tag != _MERGE else None
                if isinstance(data, int | float | bool | None.__class__):
                    values[(tag, value)] = data  # immutable: share it
            if anchor is not None:
                anchors[anchor] = (node, 1, data)
            attach(node, 1, data, event.start_mark)
        elif isinstance(event, ev.SequenceStartEvent | ev.MappingStartEvent):
            if len(stack) >= limits.max_depth:
                raise _Refusal(
                    f"the document nests more than {limits.max_depth} levels deep; "
                    "a scenario needs a handful",
                    event.start_mark,
                )
            is_seq = isinstance(event, ev.SequenceStartEvent)
            kind = yaml.SequenceNode if is_seq else yaml.MappingNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(kind, None, event.implicit)
            if tag != (_SEQ if is_seq else _MAP):
                plain = False  # !!set, !!omap, a custom tag: the constructor decides
            mark = event.start_mark
            node = kind(tag, [], mark, None, flow_style=event.flow_style)  # type: ignore[arg-type]
            stack.append(_Open(node, [] if is_seq else {}, anchor))
        elif isinstance(event, ev.SequenceEndEvent | ev.MappingEndEvent):
            done = stack.pop()
            done.node.end_mark = event.end_mark
            if done.anchor is not None:
                anchors[done.anchor] = (done.node, done.size, done.data)
            attach(done.node, done.size, done.data, done.node.start_mark)
    if not loader.check_event(ev.StreamEndEvent):
        following = loader.get_event()
        raise _Refusal(
            "the file holds more than one YAML document (a second '---'); keep one",
            following.start_mark,  # type: ignore[union-attr]
        )
    return root[0], root[1], plain


def load_yaml(
    text: str, source: str, *, limits: Limits = DEFAULT_LIMITS, error: ErrorFactory = AuditkitError
) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML document safely; return ``(data, node)``.

    Errors name ``source`` and the line: invalid YAML, nesting deeper than ``limits.max_depth``,
    more than ``limits.max_nodes`` values after alias expansion, a key given twice, an
    unreadable value (e.g. an impossible date) or a number with too many digits.
    """
    bad = _NONPRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise error(
            f"{_where(source, line, column)}: a control character (U+"
            f"{ord(bad.group()):04X}), which YAML does not allow; remove it (the file "
            "may be damaged, or not a text file)"
        )
    loader = _Loader(text)
    try:
        with collection_paused():
            node, data, plain = _compose(loader, limits)
            if not plain:
                data = loader.construct_document(node)
    except _Refusal as exc:
        where = exc.mark.line + 1 if exc.mark is not None else None
        raise error(f"{_where(source, where)}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(
            f"{_where(source, where)}: invalid YAML: {excerpt(problem, 200)[1:-1]}; "
            "check the indentation and that every 'key: value' has a space after "
            "the colon"
        ) from None
    finally:
        loader.dispose()
    return data, node


# ---------------------------------------------------------------------------------------------
# JSON


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; write null or a finite number")


def load_json(
    text: str | bytes,
    source: str,
    *,
    limits: Limits = DEFAULT_LIMITS,
    error: ErrorFactory = AuditkitError,
    non_finite: bool = False,
) -> Any:
    """Parse JSON safely: size checked first, nesting bounded (Python's recursion limit, a
    clean error), ``NaN``/``Infinity`` and numbers of more than ``limits.max_digits``
    characters or beyond the float range refused (``non_finite=True`` reads ``NaN`` and
    ``Infinity`` as floats, for a caller that reports them itself); errors name ``source``,
    line and column."""
    if isinstance(text, bytes):
        if len(text) > limits.max_bytes:
            raise error(
                f"{source}: {len(text):,} bytes of JSON; at most {limits.max_bytes:,} are read"
            )
        text = decode_text(text, source, error=error)
    elif len(text) > limits.max_bytes:
        raise error(
            f"{source}: {len(text):,} characters of JSON; at most {limits.max_bytes:,} are read"
        )

    def number(kind: type) -> Callable[[str], Any]:
        def parse(value: str) -> Any:
            if len(value) > limits.max_digits:
                raise ValueError(f"a number of {len(value):,} characters")
            parsed = kind(value)
            if parsed in (math.inf, -math.inf):
                raise ValueError(f"the number {value} is too large")
            return parsed

        return parse

    try:
        return json.loads(
            text,
            parse_constant=float if non_finite else _no_constant,
            parse_int=number(int),
            parse_float=number(float),
        )
    except json.JSONDecodeError as exc:
        raise error(f"{_where(source, exc.lineno, exc.colno)}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise error(f"{source}: the JSON nests too deeply to read") from None
    except ValueError as exc:
        raise error(f"{source}: not usable JSON: {excerpt(str(exc), 200)[1:-1]}") from None
