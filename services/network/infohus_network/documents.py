"""The text of an attachment, so it can be screened and searched. No I/O.

Text and Markdown are read as they are. Word and PowerPoint files (OOXML) are zip archives of
XML: their text is read with the standard library. A PDF is read best-effort: the literal
strings of its (deflated) content streams. A PDF whose fonts map glyphs without a readable
encoding yields little text; the author's confirmation that the material describes no individual
case is then what stands, as for every post.
"""

import io
import re
import zipfile
import zlib
from html import unescape

MAX_TEXT_CHARS = 2_000_000
MAX_INFLATED_BYTES = 20_000_000
_OOXML_PARTS = re.compile(r"^(word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml"
                          r"|ppt/(slides/slide|notesSlides/notesSlide)\d+\.xml|docProps/core\.xml)$")
_XML_TAG = re.compile(r"<[^>]{0,2000}>")
_PARAGRAPH_END = re.compile(r"</(w:p|a:p)>")


def text_of(kind: str, data: bytes) -> str:
    if kind == "text":
        return data.decode("utf-8")[:MAX_TEXT_CHARS]
    if kind == "ooxml":
        return _ooxml_text(data)
    if kind == "pdf":
        return _pdf_text(data)
    return ""


def _ooxml_text(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ""
    parts, budget = [], MAX_INFLATED_BYTES
    for info in archive.infolist():
        if not _OOXML_PARTS.match(info.filename) or info.file_size > budget:
            continue
        budget -= info.file_size
        with archive.open(info) as part:
            xml = part.read(info.file_size + 1).decode("utf-8", errors="replace")
        # Runs of one paragraph are joined without a space (Word splits "0101" "104234" freely).
        xml = _PARAGRAPH_END.sub("\n", xml)
        parts.append(unescape(_XML_TAG.sub("", xml)))
    return "\n".join(parts)[:MAX_TEXT_CHARS]


_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_TEXT_BLOCK = re.compile(rb"\[(.*?)\]\s*TJ|\((?:\\.|[^\\)])*\)\s*(?:Tj|'|\")", re.S)
_LITERAL = re.compile(rb"\(((?:\\.|[^\\)])*)\)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"", b"f": b"", b"(": b"(", b")": b")", b"\\": b"\\"}


def _pdf_text(data: bytes) -> str:
    chunks: list[bytes] = [data]
    budget = MAX_INFLATED_BYTES
    for match in _STREAM.finditer(data):
        if budget <= 0:
            break
        try:
            inflated = zlib.decompressobj().decompress(match.group(1), budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        chunks.append(inflated)
    texts = []
    for chunk in chunks:
        for block in _TEXT_BLOCK.finditer(chunk):
            # The strings of one TJ array are one run of text (kerning splits them anywhere).
            texts.append(b"".join(_unescape(s) for s in _LITERAL.findall(block.group(0))).decode("latin-1"))
    return "\n".join(texts)[:MAX_TEXT_CHARS]


def _unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(literal):
        byte = literal[i:i + 1]
        if byte == b"\\" and i + 1 < len(literal):
            nxt = literal[i + 1:i + 2]
            octal = re.match(rb"[0-7]{1,3}", literal[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += byte
        i += 1
    return bytes(out)
