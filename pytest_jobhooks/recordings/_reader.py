"""Reading recordings: JSON Lines streamed line by line, or one JSON document read whole.

Yields ``(line number, parsed value)`` pairs, or ``(line number, Unreadable)``
for a line that is not JSON. Never raises for bad content; ``OSError`` from the
file itself propagates (the caller turns it into a per-file verdict).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from os import PathLike, fspath
from pathlib import Path
from typing import IO, Union

from pydantic_core import from_json

from .._json import decode, decode_prefix

MAX_LINE_BYTES = 16 * 1024 * 1024
"""A JSON Lines line longer than this is reported as too long, not parsed (memory stays bounded whatever the file).

The first line of a source not named ``.jsonl`` / ``.ndjson`` may be longer:
it may be a whole JSON document on one line, read up to :data:`MAX_DOCUMENT_BYTES`.
"""

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""A JSON document (not JSON Lines) longer than this is refused: it would have to be read whole."""

Source = Union[str, "PathLike[str]", IO[bytes]]  # Union: "X | Y" with a quoted part fails at run time on 3.10
"""A file path, ``"-"`` for standard input, or an open binary stream."""

_CHUNK = 1024 * 1024
_STREAM_SUFFIXES = (".jsonl", ".ndjson")
_BOM = b"\xef\xbb\xbf"
_BLANK = " \t\r\n\ufeff"
"""What may stand between values: JSON's whitespace, and byte order marks (files joined with ``cat`` keep theirs)."""


@dataclass(frozen=True)
class Unreadable:
    """A line that could not be read as JSON, and why."""

    message: str


def parse_line(data: bytes) -> object | Unreadable:
    """One JSON Lines line (its bytes, surrounding whitespace allowed) as a value, or why it is not one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        return Unreadable(f"not valid UTF-8 (byte 0x{bad} at column {exc.start + 1})")
    if "\ufeff" in text:
        text = _unmarked(text)
    try:
        return decode(text)
    except ValueError as exc:
        return Unreadable(str(exc))


def _unmarked(text: str) -> str:
    """``text`` with the byte order marks around its value made spaces (so columns in messages stay right)."""
    start = len(text) - len(text.lstrip(_BLANK))
    end = len(text.rstrip(_BLANK))
    if start >= end:
        return " " * len(text)
    return " " * start + text[start:end] + " " * (len(text) - end)


def _blank(raw: bytes) -> bool:
    """Whether a line holds nothing but whitespace and byte order marks."""
    return not raw.strip() or not raw.replace(_BOM, b"").strip()


def read_values(
    stream: IO[bytes], name: str = "", *, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, object | Unreadable]]:
    """Every payload in ``stream`` with its line number; blank lines are skipped.

    ``name`` ending in ``.jsonl`` / ``.ndjson`` means JSON Lines. Otherwise the
    content decides: a first non-blank line that opens a JSON array, or opens an
    object it does not close, makes the source one JSON document (an array of
    payloads, or payloads one after another) read whole; else JSON Lines.
    """
    if name.endswith(_STREAM_SUFFIXES):
        yield from _stream(stream, max_line_bytes, 0)
        return
    # The first line may be a whole JSON document on one line: it is read up to the document limit.
    for number, raw in _lines(stream, max(max_line_bytes, MAX_DOCUMENT_BYTES)):
        if isinstance(raw, Unreadable):
            yield number, _too_big()
        elif len(raw) > max_line_bytes:
            yield from _document(raw, stream, number)
            return
        else:
            first = parse_line(raw)
            opening = raw.replace(_BOM, b"").lstrip()[:1]
            if opening == b"[" or (opening == b"{" and isinstance(first, Unreadable)):
                yield from _document(raw, stream, number)
                return
            yield number, first
        yield from _stream(stream, max_line_bytes, number)
        return


def _stream(stream: IO[bytes], limit: int, number: int) -> Iterator[tuple[int, object | Unreadable]]:
    """JSON Lines after line ``number``: the hot loop of checking a recording."""
    readline, size = stream.readline, limit + 1
    while True:
        raw = readline(size)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            yield number, _too_long(stream, raw, limit)
            continue
        try:
            # pydantic-core's parser is about 3x faster than json's; json has the last word and the messages.
            value = from_json(raw, allow_inf_nan=False)
        except ValueError:
            if _blank(raw):
                continue
            value = parse_line(raw)
        yield number, value


def _lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | Unreadable]]:
    readline = stream.readline
    number = 0
    while True:
        raw = readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            yield number, _too_long(stream, raw, limit)
        elif not _blank(raw):
            yield number, raw


def _too_long(stream: IO[bytes], start: bytes, limit: int) -> Unreadable:
    size = len(start) + _skip_line(stream)
    return Unreadable(f"line is {size:,} bytes long, over the {limit:,}-byte limit: not checked")


def _skip_line(stream: IO[bytes]) -> int:
    """Read past the rest of an over-long line, a chunk at a time; returns how many bytes that was."""
    skipped = 0
    while True:
        chunk = stream.readline(_CHUNK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def _too_big() -> Unreadable:
    return Unreadable(
        f"a JSON document over {MAX_DOCUMENT_BYTES:,} bytes is not read whole: "
        "record JSON Lines (.jsonl, one payload per line), which are streamed"
    )


def _document(first: bytes, stream: IO[bytes], first_number: int) -> Iterator[tuple[int, object | Unreadable]]:
    rest = stream.read(MAX_DOCUMENT_BYTES + 1 - len(first))
    if len(first) + len(rest) > MAX_DOCUMENT_BYTES:
        yield first_number, _too_big()
        return
    try:
        text = (first + rest).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield first_number, Unreadable(f"not valid UTF-8 (byte at offset {exc.start} of the document)")
        return
    del rest
    yield from _document_values(text, first_number)


def _document_values(text: str, first_number: int) -> Iterator[tuple[int, object | Unreadable]]:
    position, line, counted = 0, first_number, 0
    in_array = text.startswith("[", _skip_blank(text, 0))
    if in_array:
        position = text.index("[") + 1
    while True:
        position = _skip_blank(text, position)
        line += text.count("\n", counted, position)
        counted = position
        if position >= len(text):
            if in_array:
                yield line, Unreadable("not valid JSON: the array is not closed")
            return
        if in_array and text[position] == "]":
            break
        try:
            value, position = decode_prefix(text, position)
        except ValueError as exc:
            yield line, Unreadable(f"{exc}; the rest of the document is not checked")
            return
        yield line, value
        if in_array:
            position = _skip_blank(text, position)
            if text.startswith(",", position):
                position += 1
            elif not text.startswith("]", position):
                line += text.count("\n", counted, position)
                yield line, Unreadable("not valid JSON: expected ',' or ']'; the rest of the document is not checked")
                return
    if in_array and _skip_blank(text, position + 1) < len(text):
        line += text.count("\n", counted, position)
        yield line, Unreadable("not valid JSON: extra data after the array")


def _skip_blank(text: str, position: int) -> int:
    end = len(text)
    while position < end and text[position] in _BLANK:
        position += 1
    return position


def source_label(source: Source) -> str:
    """What messages call a source: the path as given, ``<stdin>``, or a stream's name."""
    if isinstance(source, (str, PathLike)):
        path = fspath(source)
        return "<stdin>" if path == "-" else path
    return str(getattr(source, "name", "<stream>"))


def format_hint(source: Source, label: str) -> str:
    """The name whose suffix tells :func:`read_values` the format (``.jsonl`` streams)."""
    # The file name's suffix says JSON Lines (.jsonl); stdin and streams are sniffed unless named so.
    if isinstance(source, (str, PathLike)) and fspath(source) != "-":
        return Path(fspath(source)).name
    return label


def open_source(source: Source) -> AbstractContextManager[IO[bytes]]:
    """A binary stream to read, closed on exit only if opened here (stdin and given streams stay open)."""
    if isinstance(source, (str, PathLike)):
        path = fspath(source)
        if path == "-":
            return nullcontext(sys.stdin.buffer)
        return _open_file(path)
    return nullcontext(source)


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _open_file(path: str) -> IO[bytes]:
    """``path`` opened to read, if it is a regular file: anything else raises ``OSError`` saying what it is.

    A FIFO would block the open until some writer comes, for ever if none does,
    and a device may never end: neither is a recording. Standard input (``"-"``)
    is the way to check a stream.
    """
    # O_NONBLOCK: the open of a FIFO returns at once (a regular file ignores the flag).
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "a socket or other special file")
            message = f'{kind}, not a regular file: pipe it to standard input ("-") to read it as a stream'
            raise OSError(errno.EINVAL, message, path)
        if nonblocking:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def describe_os_error(exc: OSError) -> str:
    """``No such file or directory (FileNotFoundError)``: why a file cannot be read, for people."""
    return f"{exc.strerror} ({type(exc).__name__})" if exc.strerror else str(exc) or type(exc).__name__
