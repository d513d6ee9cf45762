"""Hostile uploads, as a WMA or as any attachment: random bytes, a zip, zero bytes, a path in the name,
one byte over the limit. Each gets a clear 4xx with a Chinese message and leaves nothing behind: no
row, no file (not even a partial one), no flow entry. Real files of the same names are accepted."""
from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

import pytest

from recordings.ffmpeg import resolve_binary
from web.keys import RECORDINGS
from recordings.legacy import synth
from recordings.model import Outcome, Source
from tests.integration.hardening import PNG
from tests.integration.helpers import actions, detail, in_progress
from tests.integration.test_attachments import upload
from tests.support import Api

RNG = random.Random(15)
NOISE = bytes(RNG.randrange(256) for _ in range(8192))
ASF = b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("setup.exe", b"MZ\x90\x00" + NOISE)
        archive.writestr("../../escape.txt", "解压到上级目录")
    return buffer.getvalue()


ZIP = _zip()
TYPES = ("wma", "mp3", "wav", "amr", "ogg", "mp4", "jpg", "png", "gif", "webp", "pdf", "txt", "doc", "docx", "xls")
HOSTILE = (
    [(f"随机字节.{ext}", NOISE, 415) for ext in TYPES]
    + [(f"压缩包.{ext}", ZIP, 415) for ext in ("wma", "mp3", "jpg", "png", "pdf", "txt", "doc")]
    + [(f"空文件.{ext}", b"", 400) for ext in ("wma", "png", "txt", "zip")]
    + [(name, ASF + NOISE, 400) for name in ("../../etc/passwd.wma", "..\\..\\windows\\录音.wma",
                                              "/var/spool/asterisk/monitor/x.wma", "录音/../../x.wma")]
    + [(name, PNG, 400) for name in ("../现场照片.png", "C:\\Users\\市民\\照片.png", "./../../../x.png")]
    + [("可执行.exe", b"MZ\x90\x00" + NOISE, 415), ("脚本.txt", b"#!/bin/sh\nrm -rf /\n", 415),
       ("无扩展名", PNG, 415), ("双扩展名.png.exe", PNG, 415), ("照片.jpg", b"MZ\x90\x00" + NOISE, 415)]
)


def _stored(settings) -> list[Path]:
    folder = settings.storage.attachments_dir
    return sorted(folder.rglob("*")) if folder.exists() else []


@pytest.fixture
async def handling(login, org):
    ct, sup, wc, wh = await login("ct"), await login("sup"), await login("water_clerk"), await login("water_h1")
    case = await in_progress(ct, sup, wc, org, "water", "water_h1")
    return wh, case["id"]


async def _nothing_stored(api: Api, case_id: int, settings) -> None:
    assert await api.ok("GET", f"/cases/{case_id}/attachments") == []
    assert _stored(settings) == []
    assert actions(await detail(api, case_id)) == ["register", "dispatch", "sign"]


async def test_hostile_uploads_are_refused_and_leave_nothing(handling, settings) -> None:
    api, case_id = handling
    for name, data, status in HOSTILE:
        got, body = await upload(api, case_id, name, data)
        assert got == status, (name, got, body)
        err = body["error"]
        assert err["code"] in ("invalid", "unsupported_type")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in err["message"]), err
        if status == 400:
            assert "file" in err["fields"], (name, body)
    await _nothing_stored(api, case_id, settings)
    print(f"\nhostile uploads tried: {len(HOSTILE)}")


@pytest.mark.parametrize("name, head", [("超大录音.wma", ASF), ("超大照片.png", PNG), ("超大文档.pdf", b"%PDF-1.7\n")])
async def test_one_byte_over_the_limit_is_413(handling, settings, name, head) -> None:
    api, case_id = handling
    limit = settings.uploads.max_bytes
    assert limit == 20 * 1024 * 1024  # the shipped default, not a test setting
    got, body = await upload(api, case_id, name, head + b"\x00" * (limit + 1 - len(head)))
    assert got == 413 and body["error"]["code"] == "too_large" and "MB" in body["error"]["message"], body
    await _nothing_stored(api, case_id, settings)


async def test_real_files_of_every_kind_are_accepted(handling, settings, tmp_path) -> None:
    """The other side: the checks above must not refuse what a citizen or a recorder really makes."""
    api, case_id = handling
    ffmpeg = resolve_binary("")
    wma = synth(ffmpeg, tmp_path / "来电录音.wma", 2, "wmav2").read_bytes()
    office = io.BytesIO()
    with zipfile.ZipFile(office, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    good = [("来电录音.wma", wma), ("现场照片.png", PNG), ("情况说明.txt", "小区停水三天了".encode("gb18030")),
            ("情况说明2.txt", "市民反映：路灯不亮".encode()), ("报告.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
            ("照片.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(64)), ("材料.docx", office.getvalue()),
            ("旧文档.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)), ("语音.amr", b"#!AMR\n" + bytes(32)),
            ("压缩包.zip", ZIP)]
    for name, data in good:
        got, body = await upload(api, case_id, name, data)
        assert got == 201, (name, body)
    listed = await api.ok("GET", f"/cases/{case_id}/attachments")
    assert [a["name"] for a in listed] == [name for name, _ in good]
    assert len(_stored(settings)) == len(good)


async def test_hostile_files_offered_to_the_recordings_import_are_quarantined(server, login, tmp_path) -> None:
    sup = await login("sup")
    folder = tmp_path / "wma"
    folder.mkdir()
    files = {"13800138000_20260928091015.wma": NOISE, "13800138001_20260928091015.wma": ZIP,
             "13800138002_20260928091015.wma": b"", "13800138003_20260928091015.wma": ASF + NOISE}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        result = await server.app[RECORDINGS].ingest(folder / name, Source.WMA)
        assert result.outcome is Outcome.QUARANTINED and result.recording_id is None, (name, result)
    assert (await sup.ok("GET", "/recordings/unmatched"))["total"] == 0
    assert (await sup.ok("GET", "/recordings/quarantine"))["total"] == len(files)
