"""Character encodings (字符编码) of CSV extracts: UTF-8, UTF-8 with BOM, GB18030/GBK.

Chinese exports are often GBK. Detection: a UTF-8 BOM means UTF-8; otherwise the whole file is
tried as strict UTF-8, then as strict GB18030 (a superset of GBK). A file that is neither (mixed
encodings, stray bytes) is decoded line by line with the same two tries; lines that fail both
are replaced with U+FFFD and reported so that their rows are quarantined (``BAD_ENCODING``)
rather than loaded as mojibake. DuckDB always reads a UTF-8 file.
"""

from __future__ import annotations

import codecs
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

BOM = codecs.BOM_UTF8
CHUNK = 16 * 1024 * 1024
_BLANK = re.compile(rb"\n(?=\r?\n)")


@dataclass
class Decoded:
    path: Path  # a UTF-8 file without BOM (the original when it already was one)
    encoding: str  # utf-8 | utf-8-sig | gb18030 | mixed
    bad_lines: list[int] = field(default_factory=list)  # physical lines that were not decodable


def _decodes(path: Path, encoding: str, skip: int = 0) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as fh:
            fh.seek(skip)
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(src: Path, dst: Path, encoding: str, skip: int = 0) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with src.open("rb") as fin, dst.open("w", encoding="utf-8", newline="") as fout:
        fin.seek(skip)
        while chunk := fin.read(CHUNK):
            fout.write(decoder.decode(chunk))
        fout.write(decoder.decode(b"", final=True))


def _transcode_by_line(src: Path, dst: Path, skip: int = 0) -> list[int]:
    bad: list[int] = []
    with src.open("rb") as fin, dst.open("w", encoding="utf-8", newline="") as fout:
        fin.seek(skip)
        for number, raw in enumerate(fin, start=1):
            for encoding in ("utf-8", "gb18030"):
                try:
                    fout.write(raw.decode(encoding))
                    break
                except UnicodeDecodeError:
                    continue
            else:
                bad.append(number)
                fout.write(raw.decode("utf-8", errors="replace"))
    return bad


def to_utf8(path: Path, work_dir: Path) -> Decoded:
    """Return a UTF-8 (no BOM) version of ``path``, transcoding into ``work_dir`` when needed."""
    with path.open("rb") as fh:
        has_bom = fh.read(len(BOM)) == BOM
    skip = len(BOM) if has_bom else 0
    target = work_dir / (path.name + ".utf8.csv")
    if _decodes(path, "utf-8", skip):
        if not has_bom:
            return Decoded(path, "utf-8")
        with path.open("rb") as fin, target.open("wb") as fout:
            fin.seek(skip)
            shutil.copyfileobj(fin, fout, CHUNK)
        return Decoded(target, "utf-8-sig")
    if not has_bom and _decodes(path, "gb18030"):
        _transcode(path, target, "gb18030")
        return Decoded(target, "gb18030")
    bad = _transcode_by_line(path, target, skip)
    return Decoded(target, "mixed", bad)


@dataclass
class LineScan:
    physical_lines: int  # number of lines (a last line without newline counts)
    blank_lines: list[int]  # physical numbers of empty lines (DuckDB skips them)


def scan_lines(path: Path) -> LineScan:
    """Count physical lines and find blank ones, in bounded memory."""
    newlines = 0
    blanks: list[int] = []
    last = b""
    carry = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            data = carry + chunk
            # Keep the last two bytes for the next round so "\n\r\n" across chunks is seen.
            cut = max(len(data) - 2, 0)
            head = data[:cut]
            seen, pos = newlines, 0
            for match in _BLANK.finditer(data, 0, len(data)):
                if match.start() >= cut:
                    break
                seen += data.count(b"\n", pos, match.start())
                pos = match.start()
                blanks.append(seen + 2)
            newlines += head.count(b"\n")
            carry = data[cut:]
            last = data[-1:]
    # Blank lines found in the carried tail, then its newlines.
    newlines += carry.count(b"\n")
    physical = newlines + (0 if last in (b"\n", b"") else 1)
    # A trailing "\n\n" at end of file is not a line DuckDB would count as a record.
    blanks = sorted({b for b in blanks if b <= physical})
    return LineScan(physical, blanks)
