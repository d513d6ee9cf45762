"""What a file's first bytes say it is: an upload must be what its extension claims.

A photo named .jpg that is random bytes, or a zip named .wma, is refused: whoever opens it later
trusts the name. Extensions an administrator adds without a known signature are let through.
"""
from __future__ import annotations

from typing import Callable

HEAD_BYTES = 512  # enough for every signature below and for a fair look at a text file

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word, Excel, PowerPoint, WPS before the XML formats
ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ASF = b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c"  # WMA, WMV


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(prefixes)


def _riff(kind: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(b"RIFF") and head[8:12] == kind


def _mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _mp4(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def _text(head: bytes) -> bool:
    """UTF-8 or GB18030 without NUL bytes (or UTF-16 with its BOM); the head may end mid-character."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        for cut in range(4):
            try:
                head[:len(head) - cut].decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "jpg": _starts(b"\xff\xd8\xff"), "jpeg": _starts(b"\xff\xd8\xff"), "png": _starts(b"\x89PNG\r\n\x1a\n"),
    "gif": _starts(b"GIF87a", b"GIF89a"), "bmp": _starts(b"BM"), "webp": _riff(b"WEBP"),
    "pdf": _starts(b"%PDF-"), "txt": _text,
    "doc": _starts(OLE), "xls": _starts(OLE), "ppt": _starts(OLE), "wps": _starts(OLE, *ZIP),
    "docx": _starts(*ZIP), "xlsx": _starts(*ZIP), "pptx": _starts(*ZIP), "zip": _starts(*ZIP),
    "rar": _starts(b"Rar!\x1a\x07"), "wma": _starts(ASF), "mp3": _mp3, "wav": _riff(b"WAVE"),
    "ogg": _starts(b"OggS"), "amr": _starts(b"#!AMR"), "mp4": _mp4,
}


def claims_hold(ext: str, head: bytes) -> bool | None:
    """Whether the content matches the extension; None when no signature is known for it."""
    check = SIGNATURES.get(ext)
    return None if check is None else check(head)
