"""Guards every reader applies to a file before trusting a byte of it.

A file is hostile until validated: it may be huge, not text, nested deeply enough to
exhaust the parser, a zip bomb, or a zip whose member names are paths. The helpers here
load a source (path, bytes or file object) under a size cap, decode it, parse JSON and
JSON Lines with line numbers, and open zip archives in memory with caps on the member
count and the total uncompressed size. Every failure is a :class:`ReadError` (a
``ValueError``) whose message names the file, and where known the line, member and field.
"""

from __future__ import annotations

import gc
import io
import json
import math
import os
import posixpath
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

if sys.version_info >= (3, 14):
    import zipfile

    from compression.zstd import ZstdError
else:  # Zstandard members (zip method 93: Inspect's default since 0.3.206), backported
    from backports.zstd import ZstdError, zipfile

#: Default cap on a file's size for the readers (a path, or bytes handed over directly).
#: The app applies its own, smaller, upload limit before it calls a reader.
MAX_SOURCE_BYTES = 256 * 1024 * 1024
#: Cap on the members of one zip archive.
MAX_ZIP_MEMBERS = 20_000
#: Cap on the sum of the uncompressed sizes of the members read from one archive.
MAX_ZIP_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
#: Largest compression ratio accepted for a member (deflate rarely passes ~100 on text;
#: zip bombs reach 1000 and more).
MAX_ZIP_RATIO = 400

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes] | IO[str]


class ReadError(ValueError):
    """A file cannot be read. ``file``, ``line`` (1-based), ``member`` (inside an
    archive) and ``field`` say where; the message says all of them."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None,
                 member: str | None = None, field: str | None = None) -> None:
        self.file, self.line, self.member, self.field = file, line, member, field
        self.reason = message
        super().__init__(_locate(message, file=file, line=line, member=member, field=field))


class TooLargeError(ReadError):
    """The file (or an archive member, or the archive's total) exceeds a size limit."""


class NotTextError(ReadError):
    """The bytes are not UTF-8 text."""


class MalformedError(ReadError):
    """The text is not valid JSON / CSV / JSON Lines, or nests too deeply to parse."""


class SchemaError(ReadError):
    """Parsed fine, but a field is missing, of the wrong type, or out of range."""


class DuplicateIdError(SchemaError):
    """Two records share an id that must be unique."""


class UnsafeArchiveError(ReadError):
    """A zip archive breaks a limit (members, ratio, total size) or is not a zip."""


class UnknownFormatError(ReadError):
    """No supported format matches the file; the message lists what was looked for."""


def _locate(message: str, *, file: str, line: int | None, member: str | None,
            field: str | None) -> str:
    where = [file or "<input>"]
    if member:
        where.append(f"member {member!r}")
    if line is not None:
        where.append(f"line {line}")
    if field:
        where.append(f"field {field!r}")
    return ", ".join(where) + ": " + message


@dataclass(frozen=True)
class Loaded:
    """A source's bytes with the name to report it by."""

    data: bytes
    name: str


def source_name(source: object, default: str = "<input>") -> str:
    """The name to report a source by: a path's file name, an upload's ``name``."""
    if isinstance(source, str | os.PathLike):
        return Path(source).name or str(source)
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name else default


def load_source(source: Source, *, name: str | None = None,
                max_bytes: int = MAX_SOURCE_BYTES) -> Loaded:
    """Read ``source`` (a path, bytes, or a binary/text file object such as a Streamlit
    upload) into memory, refusing anything larger than ``max_bytes``."""
    label = name or source_name(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ReadError(f"cannot open the file ({exc.strerror})", file=label) from None
        _check_size(size, max_bytes, label)
        data = path.read_bytes()
    elif isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif hasattr(source, "getvalue"):
        value = source.getvalue()
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    elif hasattr(source, "read"):
        value = source.read(max_bytes + 1)
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    else:
        raise ReadError(f"cannot read a {type(source).__name__}; pass a path, bytes or a "
                        "file object", file=label)
    _check_size(len(data), max_bytes, label)
    if not data.strip():
        raise ReadError("the file is empty", file=label)
    return Loaded(data, label)


def _check_size(size: int, max_bytes: int, label: str) -> None:
    if size > max_bytes:
        raise TooLargeError(f"the file is {size / 1e6:.1f} MB; the limit is "
                            f"{max_bytes / 1e6:.1f} MB", file=label)


def decode_text(data: bytes, *, file: str, member: str | None = None) -> str:
    """UTF-8 (with or without a byte-order mark) to ``str``; names the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise NotTextError(f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at "
                           f"offset {exc.start})", file=file, line=line,
                           member=member) from None


def parse_json(text: str | bytes, *, file: str, line: int | None = None,
               member: str | None = None) -> Any:
    """``json.loads`` with errors that name the file, line and column. Nesting beyond
    the interpreter's recursion limit (about 1,000 levels) is refused, not crashed on."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at_line = exc.lineno if line is None else line
        raise MalformedError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=file,
                             line=at_line, member=member) from None
    except RecursionError:
        raise MalformedError("JSON nested too deeply to read", file=file, line=line,
                             member=member) from None
    except UnicodeDecodeError:
        raise NotTextError("not UTF-8 text", file=file, line=line, member=member) from None


def iter_json_lines(text: str, *, file: str,
                    member: str | None = None) -> Iterator[tuple[int, Any]]:
    """Each non-blank line of a JSON Lines text, parsed, with its 1-based line number."""
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            yield number, parse_json(raw, file=file, line=number, member=member)


def looks_like_json_lines(text: str) -> bool:
    """True when the text's first non-blank line is a complete JSON value of its own and
    another line follows: JSON Lines rather than one (pretty-printed) document."""
    lines = [ln for ln in text.lstrip().splitlines()[:2] if ln.strip()]
    if len(lines) < 2:
        return False
    try:
        json.loads(lines[0])
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


def is_zip(data: bytes) -> bool:
    """True when the bytes start with a zip local-file signature."""
    return data[:4] == b"PK\x03\x04"


def safe_member_name(name: str) -> bool:
    """True for a member name that is a plain relative path: no drive, no absolute path,
    no ``..`` component, no backslash. Other names are ignored, never used."""
    if not name or "\\" in name or name.startswith("/") or ":" in name.split("/")[0]:
        return False
    parts = posixpath.normpath(name).split("/")
    return ".." not in parts and parts[0] not in ("", ".")


class SafeZip:
    """A zip archive read in memory, never extracted. Members with unsafe names are
    skipped (listed in :attr:`ignored`); reads are capped per member and in total, and
    the declared sizes are not trusted: a member is read in chunks up to its cap."""

    def __init__(self, data: bytes, *, file: str, max_members: int = MAX_ZIP_MEMBERS,
                 max_total_bytes: int = MAX_ZIP_UNCOMPRESSED_BYTES,
                 max_ratio: float = MAX_ZIP_RATIO) -> None:
        self.file = file
        self._max_total = max_total_bytes
        self._max_ratio = max_ratio
        self._read_total = 0
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise UnsafeArchiveError(f"not a readable zip archive ({exc})",
                                     file=file) from None
        if len(infos) > max_members:
            raise UnsafeArchiveError(f"the archive has {len(infos):,} members; the limit "
                                     f"is {max_members:,}", file=file)
        declared = sum(info.file_size for info in infos)
        if declared > max_total_bytes:
            raise UnsafeArchiveError(
                f"the archive would unpack to {declared / 1e6:.0f} MB; the limit is "
                f"{max_total_bytes / 1e6:.0f} MB", file=file)
        self._infos = {i.filename: i for i in infos
                       if safe_member_name(i.filename) and not i.is_dir()}
        self.ignored = [i.filename for i in infos
                        if not i.is_dir() and i.filename not in self._infos]

    @property
    def names(self) -> list[str]:
        """Names of the members with safe names, in archive order."""
        return list(self._infos)

    def read(self, member: str) -> bytes:
        """The uncompressed bytes of one member, under the per-member ratio cap and the
        archive's total cap."""
        info = self._infos.get(member)
        if info is None:
            raise UnsafeArchiveError("no such member in the archive", file=self.file,
                                     member=member)
        cap = min(self._max_total - self._read_total,
                  int(max(info.compress_size, 1) * self._max_ratio) + 64 * 1024)
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as handle:
                while chunk := handle.read(1 << 20):
                    size += len(chunk)
                    if size > cap:
                        raise UnsafeArchiveError(
                            "the member unpacks beyond the size or compression-ratio limit "
                            "(a zip bomb?)", file=self.file, member=member)
                    chunks.append(chunk)
        except ReadError:
            raise
        except NotImplementedError as exc:  # a compression method zipfile cannot read
            raise UnsafeArchiveError(f"cannot unpack the member ({exc}; zip method "
                                     f"{info.compress_type})", file=self.file,
                                     member=member) from None
        except (zipfile.BadZipFile, ZstdError, OSError, EOFError, RuntimeError,
                ValueError) as exc:
            raise UnsafeArchiveError(f"cannot unpack the member ({exc})", file=self.file,
                                     member=member) from None
        self._read_total += size
        return b"".join(chunks)

    def read_json(self, member: str) -> Any:
        """One member parsed as JSON."""
        return parse_json(decode_text(self.read(member), file=self.file, member=member),
                          file=self.file, member=member)


def as_float(value: object, *, file: str, field: str, line: int | None = None,
             member: str | None = None) -> float:
    """A number, or a string holding one (real exports store numbers as strings)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    shown = repr(value)[:40]
    raise SchemaError(f"expected a number, got {shown}", file=file, line=line,
                      member=member, field=field)


def as_int(value: object, *, file: str, field: str, line: int | None = None,
           member: str | None = None) -> int:
    """An integer, or a string holding one (OTLP/JSON writes 64-bit integers as strings)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise SchemaError(f"expected an integer, got {repr(value)[:40]}", file=file,
                      line=line, member=member, field=field)


def require_mapping(value: object, *, file: str, field: str, line: int | None = None,
                    member: str | None = None) -> dict[str, Any]:
    """``value`` if it is a JSON object, else a :class:`SchemaError` naming ``field``."""
    if not isinstance(value, dict):
        raise SchemaError(f"expected an object, got {type(value).__name__}", file=file,
                          line=line, member=member, field=field)
    return value


def require_list(value: object, *, file: str, field: str, line: int | None = None,
                 member: str | None = None) -> list[Any]:
    """``value`` if it is a JSON array, else a :class:`SchemaError` naming ``field``."""
    if not isinstance(value, list):
        raise SchemaError(f"expected an array, got {type(value).__name__}", file=file,
                          line=line, member=member, field=field)
    return value


def finite_number(value: object, *, bools: bool = True) -> float | None:
    """A finite float from a JSON number or a numeric string (exports store numbers as
    strings), else None. ``bools`` says whether true/false count as 1/0."""
    if isinstance(value, bool):
        return float(value) if bools else None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large file's JSON objects are built.
    Parsed JSON holds no reference cycles, so reference counting frees it all; the
    collector's passes over millions of new objects would cost as much as the parse."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
