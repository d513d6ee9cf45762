"""What may be uploaded: checked by extension and by content, never trusting the client's name."""
from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass

from casework.attachments.content import claims_hold
from casework.errors import Invalid, Unsupported

# Signatures of executables and scripts, refused whatever the file is called.
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xca\xfe\xba\xbe")
UNSAFE_NAME = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    case_id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: int
    uploaded_at: str
    stored_name: str

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "case_id": self.case_id, "name": self.original_name,
                "content_type": self.content_type, "size": self.size, "sha256": self.sha256,
                "uploaded_by": self.uploaded_by, "uploaded_at": self.uploaded_at}


def clean_name(raw: str | None) -> str:
    """The name shown to users: no control characters, bounded length. A browser sends a bare name;
    one with a path in it comes from a crafted request and is refused rather than guessed at."""
    if "/" in (raw or "") or "\\" in (raw or ""):
        raise Invalid(fields={"file": "文件名不能包含路径（/ 或 \\）"})
    name = UNSAFE_NAME.sub("", raw or "").strip()
    if not name or name in (".", ".."):
        raise Invalid(fields={"file": "文件名无效"})
    return name[-120:]


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_type(name: str, head: bytes, allowed: frozenset[str]) -> str:
    ext = extension(name)
    if ext not in allowed:
        raise Unsupported(f"不允许上传 .{ext or '无扩展名'} 文件；允许的类型：{'、'.join(sorted(allowed))}")
    if not head:
        return _content_type(name)  # the name alone, before any bytes arrive
    holds = claims_hold(ext, head)
    if holds is False:
        raise Unsupported(f"文件内容与扩展名不符：不是有效的 .{ext} 文件")
    if (holds is None or ext == "txt") and head.startswith(EXECUTABLE_MAGIC):
        raise Unsupported("不允许上传可执行文件")
    return _content_type(name)


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
