"""管理附件: upload, list, download, delete; names, types, sizes and who may touch which file."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from config.settings import Settings
from tests.conftest import make_settings
from tests.integration.helpers import act, actions, detail, dispatched, in_progress, new_case
from tests.support import Api

LIMIT = 64 * 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = make_settings(tmp_path / "data")
    return replace(base, uploads=replace(base.uploads, max_bytes=LIMIT))


def multipart(field: str, filename: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    """The body a browser sends: the file name as raw UTF-8 in the part header (no percent-encoding)."""
    boundary = "----hotlinetest" + os.urandom(8).hex()
    quoted = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{quoted}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode("utf-8", "surrogateescape")
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def upload(api: Api, case_id: int, name: str, data: bytes, field: str = "file",
                 content_type: str = "application/octet-stream") -> tuple[int, dict]:
    body, ctype = multipart(field, name, data, content_type)
    return await api.call("POST", f"/cases/{case_id}/attachments", data=body, headers={"Content-Type": ctype})


def stored_files(settings: Settings) -> list[Path]:
    folder = settings.storage.attachments_dir
    return sorted(p for p in folder.iterdir()) if folder.exists() else []


async def test_upload_list_download_delete(login, org, settings) -> None:
    ct, sup, wc = await login("ct"), await login("sup"), await login("water_clerk")
    wh = await login("water_h1")
    case = await in_progress(ct, sup, wc, org, "water", "water_h1")
    cid = case["id"]
    photo = b"\x89PNG\r\n\x1a\n" + os.urandom(4000)
    status, info = await upload(wh, cid, "现场照片.png", photo, content_type="image/png")
    assert status == 201, info
    assert info["name"] == "现场照片.png" and info["size"] == len(photo) and info["case_id"] == cid
    assert info["content_type"] == "image/png" and len(info["sha256"]) == 64
    status, report = await upload(sup, cid, "report.pdf", b"%PDF-1.4\n" + b"x" * 100)
    assert status == 201

    listed = await wc.ok("GET", f"/cases/{cid}/attachments")
    assert [a["name"] for a in listed] == ["现场照片.png", "report.pdf"]
    status, data = await sup.call("GET", f"/attachments/{info['id']}")
    assert status == 200 and data == photo
    async with wc.session.get(f"{wc.base}/api/v1/attachments/{info['id']}") as resp:
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in resp.headers["Content-Disposition"]
        assert await resp.read() == photo
    case = await detail(sup, cid)
    assert actions(case)[-2:] == ["attach", "attach"] and case["flow"][-2]["opinion"] == "现场照片.png"

    await wh.ok("DELETE", f"/attachments/{info['id']}")
    assert [a["name"] for a in await wh.ok("GET", f"/cases/{cid}/attachments")] == ["report.pdf"]
    status, body = await sup.call("GET", f"/attachments/{info['id']}")
    assert status == 404 and body["error"]["code"] == "attachment_not_found"
    status, body = await wh.call("DELETE", f"/attachments/{info['id']}")
    assert status == 404
    assert actions(await detail(sup, cid))[-1] == "detach"


async def test_path_like_names_are_stored_under_generated_names(login, org, settings) -> None:
    """A name with a path in it is refused (issue 15); what is stored is never named after the upload."""
    ct = await login("ct")
    cid = (await new_case(ct))["id"]
    for name in ["../../etc/passwd.txt", "dir/../evil.txt", "/abs/path/notes.txt"]:
        status, info = await upload(ct, cid, name, b"hello " + name.encode())
        assert status == 400 and "file" in info["error"]["fields"], (name, info)
    names = ["passwd.txt", "a\tb.txt", "..notes.txt"]
    for name in names:
        status, info = await upload(ct, cid, name, b"hello " + name.encode())
        assert status == 201, (name, info)
    shown = [a["name"] for a in await ct.ok("GET", f"/cases/{cid}/attachments")]
    assert shown == ["passwd.txt", "ab.txt", "..notes.txt"]
    folder = settings.storage.attachments_dir.resolve()
    files = stored_files(settings)
    assert len(files) == len(names)
    for path in files:
        assert path.resolve().parent == folder
        assert path.name not in shown and not path.name.startswith(".")
        assert len(path.stem) == 32 and int(path.stem, 16) >= 0  # a random hex name
        assert path.suffix == ".txt"
    data_dir = settings.storage.data_dir
    assert not (data_dir / "etc").exists() and not (data_dir.parent / "etc").exists()
    for bad in ("..", ".", "/", "", "../..", "a\x00b.txt"):
        status, body = await upload(ct, cid, bad, b"data")
        assert status == 400, (bad, body)
    status, body = await ct.call("POST", f"/cases/{cid}/attachments", data=b"xx",
                                 headers={"Content-Type": "multipart/form-data"})  # no boundary
    assert status == 400, body
    assert len(stored_files(settings)) == len(names)


@pytest.mark.parametrize("name, data, status", [
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, 415), ("report.pdf", b"MZ\x90\x00" + b"\x00" * 100, 415),
    ("photo.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 50, 415), ("readme.txt", b"#!/bin/sh\nrm -rf /\n", 415),
    ("script.sh", b"echo hi", 415), ("noext", b"data", 415), ("big.pdf", b"%PDF" + b"0" * (LIMIT + 1), 413),
    ("huge.pdf", b"%PDF" + b"0" * (LIMIT * 4), 413), ("empty.pdf", b"", 400)])
async def test_refused_uploads_store_nothing(login, org, settings, name, data, status) -> None:
    ct = await login("ct")
    cid = (await new_case(ct))["id"]
    got, body = await upload(ct, cid, name, data)
    assert got == status, body
    assert body["error"]["code"] in ("unsupported_type", "too_large", "invalid") and body["error"]["message"]
    assert await ct.ok("GET", f"/cases/{cid}/attachments") == []
    assert stored_files(settings) == []  # no file, not even a partial one
    assert actions(await detail(ct, cid)) == ["register"]


async def test_upload_needs_a_file_field(login, org, settings) -> None:
    ct = await login("ct")
    cid = (await new_case(ct))["id"]
    status, body = await upload(ct, cid, "a.txt", b"data", field="other")
    assert status == 400 and "file" in body["error"]["fields"]
    status, body = await ct.call("POST", f"/cases/{cid}/attachments", {"file": "a.txt"})
    assert status == 400 and "file" in body["error"]["fields"]
    # Exactly the limit is accepted.
    status, body = await upload(ct, cid, "exact.pdf", b"%PDF-" + b"%" * (LIMIT - 5))
    assert status == 201 and body["size"] == LIMIT


async def test_attachment_scope_across_cases_and_departments(login, org, settings) -> None:
    ct, sup = await login("ct"), await login("sup")
    wc, wh, hh = await login("water_clerk"), await login("water_h1"), await login("housing_h1")
    hc = await login("housing_clerk")
    water = await in_progress(ct, sup, wc, org, "water", "water_h1")
    housing = await dispatched(ct, sup, [org.departments["housing"]])
    status, att = await upload(wh, water["id"], "water.txt", b"water only")
    assert status == 201
    status, h_att = await upload(hc, housing["id"], "housing.txt", b"housing only")
    assert status == 201

    # Another department: the attachment and its case do not exist for them.
    for method in ("GET", "DELETE"):
        status, body = await hh.call(method, f"/attachments/{att['id']}")
        assert status == 404, (method, body)
    status, _ = await hh.call("GET", f"/cases/{water['id']}/attachments")
    assert status == 404
    status, _ = await upload(hh, water["id"], "x.txt", b"x")
    assert status == 404
    status, _ = await wh.call("GET", f"/attachments/{h_att['id']}")
    assert status == 404
    # A handler of a case that is no longer with his department may read but not manage.
    done = await act(wh, water["id"], "complete", opinion="已处理")
    assert done["state"] == "pending_approval"
    status, body = await wh.call("DELETE", f"/attachments/{att['id']}")
    assert status == 403 and body["error"]["code"] == "attachments_locked"
    status, _ = await upload(wh, water["id"], "late.txt", b"late")
    assert status == 403
    status, data = await wh.call("GET", f"/attachments/{att['id']}")
    assert status == 200 and data == b"water only"
    # Closed cases are locked for everyone; the file stays.
    await act(sup, water["id"], "approve", opinion="同意")
    status, body = await sup.call("DELETE", f"/attachments/{att['id']}")
    assert status == 403
    assert [a["id"] for a in await sup.ok("GET", f"/cases/{water['id']}/attachments")] == [att["id"]]
    # Leaders read within their scope only.
    wl = await login("water_leader")
    status, _ = await wl.call("GET", f"/attachments/{att['id']}")
    assert status == 200
    status, _ = await wl.call("GET", f"/attachments/{h_att['id']}")
    assert status == 404
    status, _ = await wl.call("DELETE", f"/attachments/{att['id']}")
    assert status == 403
