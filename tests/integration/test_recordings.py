"""Recordings on real files made by ffmpeg, a real SQLite file and real HTTP: import, matching,
quarantine, playback with Range requests, access by case visibility, audit, manual links, watching."""
from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from casework.clock import ManualClock
from config.settings import Settings
from recordings.cli import add_cli, import_with
from recordings.ffmpeg import resolve_binary
from web.keys import RECORDINGS
from recordings.legacy import LegacyRecorder, gsm_capable_ffmpeg, synth
from recordings.model import Outcome, Reason, Source
from recordings.service import RecordingService
from recordings.transcode import FORMATS, TranscodeFailed, Transcoder
from recordings.watcher import FolderWatcher
from telephony.calls.records import CallDisposition, CallRecord, Direction
from telephony.calls.service import CallService
from telephony.simulator.recording import write_wav
from tests.conftest import make_settings
from tests.integration.helpers import act, new_case
from tests.support import Api, Org
from web.app import create_app
from web.keys import DATABASE

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 9, 28, 9, 0, tzinfo=TZ)
FFMPEG = resolve_binary("")
MONITOR = "/var/spool/asterisk/monitor/2026/09/28"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = make_settings(tmp_path / "data")
    return replace(base, recordings=replace(base.recordings, pool_size=2, timeout_seconds=60, settle_seconds=0,
                                            match_grace_seconds=5))


@pytest.fixture
async def server(aiohttp_server, settings: Settings, clock: ManualClock):
    """The application as create_app builds it."""
    app = create_app(settings, clock=clock)
    return await aiohttp_server(app)


def service_of(server) -> RecordingService:
    return server.app[RECORDINGS]


async def add_call(server, linked_id: str, number: str, minutes: float, recording: str = "",
                   ended: bool = True) -> int:
    offered = T0 + timedelta(minutes=minutes)
    return await CallService(server.app[DATABASE]).record_call(CallRecord(
        linked_id=linked_id, direction=Direction.INBOUND, offered_at=offered, caller_number=number, queue="hotline",
        answered_at=offered + timedelta(seconds=8), ended_at=offered + timedelta(seconds=200) if ended else None,
        wait_seconds=8, talk_seconds=192 if ended else 0, recording=recording, disposition=CallDisposition.PENDING))


def make(folder: Path, name: str, seconds: float, codec: str, **kw) -> Path:
    return synth(FFMPEG if codec != "gsm" else gsm_ffmpeg(), folder / name, seconds, codec, **kw)


def gsm_ffmpeg() -> str:
    binary = gsm_capable_ffmpeg()
    if binary is None:
        pytest.fail("no ffmpeg with a GSM encoder: scripts/dev installs Debian's ffmpeg")
    return binary


def damage(folder: Path) -> None:
    """A corrupt WMA (garbage after the header), a truncated one, a renamed text file, a zero-byte file."""
    good = make(folder, "src.tmp.wma", 5, "wmav2")
    data = bytearray(good.read_bytes())
    data[6000:] = bytes((i * 97 + 13) % 256 for i in range(len(data) - 6000))
    (folder / "13600136000_20260928094500.wma").write_bytes(bytes(data))
    long = make(folder, "src2.tmp.wma", 60, "wmav2")
    (folder / "13600136001_20260928094600.wma").write_bytes(long.read_bytes()[: long.stat().st_size // 2])
    (folder / "notes.wma").write_text("这不是录音，是改了扩展名的文本文件\n", "utf-8")
    (folder / "empty.wav").write_bytes(b"")
    good.unlink()
    long.unlink()


async def call_set(server) -> dict[str, int]:
    return {
        "name_time": await add_call(server, "1790000000.1", "13800138000", 10),  # 09:10, answered 09:10:08
        "index": await add_call(server, "1790000000.2", "13900139001", 20),
        "mixmonitor": await add_call(server, "1790000000.3", "13900139000", 30,
                                     f"{MONITOR}/q-hotline-13900139000-20260928-093000-1790000000.3.wav"),
        "unique_id": await add_call(server, "1790000000.22", "13500135000", 40),
    }


def fill(folder: Path) -> None:
    make(folder, "13800138000_20260928091015.wma", 5, "wmav2")  # 7 s from the answer: within 30 s
    make(folder, "rec0001.wma", 3, "wmav2")
    (folder / "index.csv").write_bytes("文件名,来电号码,开始时间\nrec0001.wma,13900139001,2026-09-28 09:20:05\n"
                                       .encode("gb18030"))
    make(folder / "2026/09/28", "q-hotline-13900139000-20260928-093000-1790000000.3.wav", 4, "pcm")
    make(folder, "1790000000.22.gsm", 4, "gsm")
    make(folder, "13700137000_20260928100000.wma", 1800, "wmav2", tone=False)  # 30 minutes, no call
    shutil.copy(folder / "rec0001.wma", folder / "copy-of-rec0001.wma")
    damage(folder)


async def rows(server, sql: str, *params) -> list[dict]:
    async with server.app[DATABASE].reader() as conn:
        async with conn.execute(sql, params) as cur:
            return [dict(r) for r in await cur.fetchall()]


async def test_import_matches_by_every_rule_quarantines_the_bad_and_keeps_the_sources(server, org, login,
                                                                                       tmp_path) -> None:
    calls = await call_set(server)
    folder = tmp_path / "archive"
    fill(folder)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    summary = await import_with(service_of(server), folder)
    c = summary.counts
    assert (c[Outcome.MATCHED], c[Outcome.UNMATCHED], c[Outcome.QUARANTINED], c[Outcome.DUPLICATE]) == (4, 1, 4, 1)
    assert {r: n for r, n in summary.reasons.items() if n} == {
        Reason.CORRUPT: 1, Reason.TRUNCATED: 1, Reason.NOT_AUDIO: 1, Reason.EMPTY: 1}
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before  # nothing moved or deleted

    got = {r["original_name"]: r for r in await rows(server, "SELECT * FROM recordings")}
    assert {n: (r["call_id"], r["match_rule"]) for n, r in got.items()} == {
        "13800138000_20260928091015.wma": (calls["name_time"], "name_time"),
        "rec0001.wma": (calls["index"], "index"),
        "q-hotline-13900139000-20260928-093000-1790000000.3.wav": (calls["mixmonitor"], "mixmonitor"),
        "1790000000.22.gsm": (calls["unique_id"], "unique_id"),
        "13700137000_20260928100000.wma": (None, "")}
    long = got["13700137000_20260928100000.wma"]
    assert abs(long["duration_ms"] - 1_800_000) < 200 and long["codec"] == "wmav2" and long["sample_rate"] == 8000
    assert "没有来电" in long["match_note"] and long["caller_number"] == "13700137000"
    assert [got[n]["codec"] for n in ("q-hotline-13900139000-20260928-093000-1790000000.3.wav", "1790000000.22.gsm")] \
        == ["pcm_s16le", "gsm"]
    for r in got.values():
        stored = settings_dir(server) / "store" / r["stored_name"]
        assert stored.stat().st_size == r["size"] and len(r["sha256"]) == 64 and len(r["peaks"]) > 0

    quarantine = (await (await login("sup")).ok("GET", "/recordings/quarantine"))["items"]
    assert {q["name"]: q["reason"] for q in quarantine} == {
        "13600136000_20260928094500.wma": "corrupt", "13600136001_20260928094600.wma": "truncated",
        "notes.wma": "not_audio", "empty.wav": "empty"}
    assert all(q["detail"] for q in quarantine)


def settings_dir(server) -> Path:
    return server.app[RECORDINGS].folders.store.parent


async def case_with_recording(server, org: Org, ct: Api, sup: Api, tmp_path: Path, seconds: float = 20) -> tuple[int, int]:
    """A case registered from a call, dispatched to 水务局, with a PBX recording of that call."""
    name = "q-hotline-13800138000-20260928-090500-1790000001.5.wav"  # FreePBX's MixMonitor name
    call_id = await add_call(server, "1790000001.5", "13800138000", 5, f"{MONITOR}/{name}")
    case = await new_case(ct, call_id=call_id)
    await act(sup, case["id"], "dispatch", departments=[org.departments["water"]], opinion="请处理")
    folder = tmp_path / "pbx"
    make(folder, name, seconds, "pcm")
    result = await service_of(server).ingest(folder / name, Source.PBX)
    assert result.outcome is Outcome.MATCHED
    return case["id"], result.recording_id  # type: ignore[return-value]


async def test_range_request_for_the_middle_and_every_playback_audited(server, org, login, tmp_path) -> None:
    ct, sup, clerk = await login("ct"), await login("sup"), await login("water_clerk")
    case_id, rec_id = await case_with_recording(server, org, ct, sup, tmp_path)
    listed = await clerk.ok("GET", f"/cases/{case_id}/recordings")
    assert [r["id"] for r in listed] == [rec_id] and listed[0]["case_id"] == case_id and "peaks" not in listed[0]
    detail = await clerk.ok("GET", f"/recordings/{rec_id}")
    assert len(detail["peaks"]) == 600 and detail["duration_ms"] == 20000 and detail["match_rule"] == "mixmonitor"
    url = f"{clerk.base}/api/v1/recordings/{rec_id}/audio?format=ogg"
    async with clerk.session.get(url) as resp:  # the first request of a playback
        assert resp.status == 200 and resp.headers["Content-Type"] == "audio/ogg"
        assert resp.headers["Accept-Ranges"] == "bytes"
        whole = await resp.read()
    assert whole[:4] == b"OggS" and len(whole) > 3000
    middle = (len(whole) // 3, len(whole) // 3 + 999)
    async with clerk.session.get(url, headers={"Range": f"bytes={middle[0]}-{middle[1]}"}) as resp:
        assert resp.status == 206
        assert resp.headers["Content-Range"] == f"bytes {middle[0]}-{middle[1]}/{len(whole)}"
        assert await resp.read() == whole[middle[0]:middle[1] + 1]
    for name, magic in (("mp3", (b"ID3", b"\xff\xf3", b"\xff\xfb")), ("webm", (b"\x1a\x45\xdf\xa3",))):
        status, body = await sup.call("GET", f"/recordings/{rec_id}/audio?format={name}")
        assert status == 200 and body.startswith(magic), name
    status, body = await sup.call("GET", f"/recordings/{rec_id}/audio?format=flac")
    assert status == 400

    log = await sup.ok("GET", f"/recordings/{rec_id}/audit")
    plays = [(e["user_name"], e["action"], e["case_id"]) for e in log]
    assert plays.count(("水务签收", "play", case_id)) == 1  # the Range request belongs to the same playback
    assert ("张监督", "play", case_id) in plays and all(e["at"] for e in log)
    status, original = await clerk.call("GET", f"/recordings/{rec_id}/download")
    assert status == 200 and original[:4] == b"RIFF"
    assert (await sup.ok("GET", f"/recordings/{rec_id}/audit"))[0]["action"] == "download"


async def test_another_departments_user_may_not_play_or_download(server, org, login, tmp_path) -> None:
    ct, sup, other = await login("ct"), await login("sup"), await login("housing_clerk")
    case_id, rec_id = await case_with_recording(server, org, ct, sup, tmp_path)
    for path in (f"/recordings/{rec_id}/audio?format=ogg", f"/recordings/{rec_id}/download", f"/recordings/{rec_id}",
                 f"/cases/{case_id}/recordings"):
        status, body = await other.call("GET", path)
        assert status == 404, (path, body)
    status, _ = await other.call("GET", f"/recordings/{rec_id}/audit")
    assert status == 403
    assert await rows(server, "SELECT * FROM recording_audit") == []
    assert not any(service_of(server).transcoder.cache_dir.rglob("*.ogg"))  # nothing was transcoded for them


async def test_unmatched_list_and_manual_link_by_a_supervisor(server, org, login, tmp_path) -> None:
    ct, sup, clerk = await login("ct"), await login("sup"), await login("water_clerk")
    case = await new_case(ct)
    make(tmp_path, "unknown-caller.wma", 2, "wmav2")
    result = await service_of(server).ingest(tmp_path / "unknown-caller.wma", Source.WMA)
    assert result.outcome is Outcome.UNMATCHED
    rec_id = result.recording_id
    unmatched = await sup.ok("GET", "/recordings/unmatched")
    assert [r["id"] for r in unmatched["items"]] == [rec_id] and unmatched["total"] == 1
    for api in (ct, clerk):
        assert (await api.call("GET", "/recordings/unmatched"))[0] == 403
        assert (await api.call("POST", f"/recordings/{rec_id}/link", {"case_number": case["number"]}))[0] == 403
        assert (await api.call("GET", f"/recordings/{rec_id}/audio"))[0] == 404  # no case yet: supervisors only
    assert (await sup.call("POST", f"/recordings/{rec_id}/link", {}))[0] == 400
    assert (await sup.call("POST", f"/recordings/{rec_id}/link", {"call_id": 999999}))[0] == 400
    linked = await sup.ok("POST", f"/recordings/{rec_id}/link", {"case_number": case["number"]})
    assert (linked["case_id"], linked["match_rule"]) == (case["id"], "manual")
    assert (await sup.ok("GET", "/recordings/unmatched"))["total"] == 0
    assert [r["id"] for r in await ct.ok("GET", f"/cases/{case['id']}/recordings")] == [rec_id]
    assert (await sup.ok("GET", f"/recordings/{rec_id}/audit"))[0]["action"] == "link"


async def test_unmatched_page_links_through_the_form(server, org, login, tmp_path) -> None:
    ct, sup = await login("ct"), await login("sup")
    call_id = await add_call(server, "1790000009.1", "13100131000", 50)
    make(tmp_path, "mystery.wav", 2, "pcm")
    rec_id = (await service_of(server).ingest(tmp_path / "mystery.wav", Source.PBX)).recording_id
    page = await sup.session.get(f"{sup.base}/recordings")
    html = await page.text()
    assert page.status == 200 and "mystery.wav" in html and 'class="recording-player"' in html
    form = {"_csrf": sup.csrf, "call_id": "abc"}
    async with sup.session.post(f"{sup.base}/recordings/{rec_id}/link", data=form) as resp:
        assert resp.status == 400 and "来电编号应为数字" in await resp.text()
    async with sup.session.post(f"{sup.base}/recordings/{rec_id}/link", data={**form, "call_id": str(call_id)},
                                allow_redirects=False) as resp:
        assert resp.status == 303
    assert (await sup.ok("GET", f"/recordings/{rec_id}"))["call_id"] == call_id
    for tab in ("quarantine", "retention"):
        async with sup.session.get(f"{sup.base}/recordings?tab={tab}") as resp:
            assert resp.status == 200
    async with ct.session.get(f"{ct.base}/recordings") as resp:
        assert resp.status == 403


async def test_player_page_and_panel_carry_the_peaks(server, org, login, tmp_path) -> None:
    ct, sup = await login("ct"), await login("sup")
    case_id, rec_id = await case_with_recording(server, org, ct, sup, tmp_path)
    for path in (f"/recordings/case/{case_id}", f"/recordings/panel/case/{case_id}"):
        async with sup.session.get(f"{sup.base}{path}") as resp:
            html = await resp.text()
        assert resp.status == 200 and f'data-recording-id="{rec_id}"' in html and 'data-peaks="' in html
        assert "<script>" not in html  # CSP: no inline scripts
    async with (await login("housing_clerk")).session.get(f"{sup.base}/recordings/panel/case/{case_id}") as resp:
        assert resp.status == 404
    assert await rows(server, "SELECT * FROM recording_audit") == []  # rendering a player plays nothing


async def test_transcode_is_killed_when_the_browser_goes_away(server, org, login, tmp_path) -> None:
    svc = service_of(server)
    make(tmp_path, "long.wma", 1800, "wmav2", tone=False)
    rec_id = (await svc.ingest(tmp_path / "long.wma", Source.WMA)).recording_id
    sup = await login("sup")
    request = asyncio.create_task(sup.call("GET", f"/recordings/{rec_id}/audio?format=mp3"))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if svc.ff.running:
            break
    assert svc.ff.running and svc.transcoder.active == 1
    request.cancel()  # the browser closes the connection mid-transcode
    for _ in range(100):
        await asyncio.sleep(0.05)
        if not svc.ff.running and not svc.transcoder.active:
            break
    assert not svc.ff.running and svc.transcoder.active == 0
    assert not [p for p in svc.transcoder.cache_dir.rglob("*") if p.is_file()]  # no partial file left


async def test_transcode_timeout_kills_ffmpeg(server, tmp_path) -> None:
    svc = service_of(server)
    source = make(tmp_path, "long.wma", 1800, "wmav2", tone=False)
    quick = Transcoder(svc.ff, tmp_path / "cache", timeout=0.3)
    with pytest.raises(TranscodeFailed):
        await quick.ensure(source, "ab" * 32, FORMATS["mp3"])
    assert not svc.ff.running and not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


async def test_watcher_takes_settled_files_and_defers_calls_in_progress(server, tmp_path) -> None:
    svc, folder = service_of(server), tmp_path / "monitor"
    day = folder / "2026/09/28"
    live_name, done_name = ("q-hotline-13800138000-20260928-091500-1790000002.7.wav",
                            "q-hotline-13800138001-20260928-091600-1790000002.8.wav")
    live = await add_call(server, "1790000002.7", "13800138000", 15, "", ended=False)  # not announced yet
    done = await add_call(server, "1790000002.8", "13800138001", 16, f"{day}/{done_name}")
    await asyncio.to_thread(write_wav, day / done_name, 2.0)  # the PBX simulator's own recording hook
    await asyncio.to_thread(write_wav, day / live_name, 0.0)  # MixMonitor has just created it
    (day / "partial.wav.part").write_bytes(b"RIFF")
    watcher = FolderWatcher(svc, folder, Source.PBX, poll_seconds=0.1, settle_seconds=0)
    assert await watcher.cycle() == 0  # first sight: not yet known to be settled
    assert await watcher.cycle() == 1  # done.wav; live.wav belongs to a call still going on
    await CallService(server.app[DATABASE]).record_call(CallRecord(
        linked_id="1790000002.7", direction=Direction.INBOUND, offered_at=T0 + timedelta(minutes=15),
        caller_number="13800138000", answered_at=T0 + timedelta(minutes=15, seconds=8),
        ended_at=T0 + timedelta(minutes=18), recording=f"{day}/{live_name}"))
    await asyncio.to_thread(write_wav, day / live_name, 3.0)  # hung up: the file is complete
    await watcher.cycle()
    assert await watcher.cycle() == 1
    got = {r["original_name"]: (r["call_id"], r["match_rule"]) for r in await rows(server, "SELECT * FROM recordings")}
    assert got == {done_name: (done, "mixmonitor"), live_name: (live, "mixmonitor")}
    again = FolderWatcher(svc, folder, Source.PBX, poll_seconds=0.1, settle_seconds=0)
    again.handled = {p: k for p, k in watcher.handled.items()}
    await again.cycle()
    assert await again.cycle() == 0  # a restart does not read the files again
    assert await rows(server, "SELECT * FROM recording_quarantine") == []


async def test_legacy_recorder_wma_and_index_match_after_the_call_record_arrives(server, tmp_path) -> None:
    svc, folder = service_of(server), tmp_path / "wma"
    wav = tmp_path / "call.wav"
    await asyncio.to_thread(write_wav, wav, 2.0)
    started = T0 + timedelta(minutes=33, seconds=10)
    wma = await asyncio.to_thread(LegacyRecorder(folder, FFMPEG).record, wav, "13300133000", started)
    watcher = FolderWatcher(svc, folder, Source.WMA, poll_seconds=0.1, settle_seconds=0)
    await watcher.cycle()
    assert await watcher.cycle() == 1
    rec = (await rows(server, "SELECT * FROM recordings WHERE original_name = ?", wma.name))[0]
    assert rec["call_id"] is None and rec["codec"] == "wmav2"  # the call record is not there yet
    call_id = await add_call(server, "1790000003.1", "13300133000", 33)
    assert await svc.rematch() == 1
    rec = (await rows(server, "SELECT * FROM recordings WHERE original_name = ?", wma.name))[0]
    assert (rec["call_id"], rec["match_rule"]) == (call_id, "index")


async def test_retention_report_lists_and_never_deletes(server, org, login, clock, tmp_path) -> None:
    svc = service_of(server)
    make(tmp_path, "13800138000_20230101090000.wma", 2, "wmav2")
    make(tmp_path, "13800138000_20260901090000.wma", 3, "wmav2")  # different content: not a duplicate
    for name in ("13800138000_20230101090000.wma", "13800138000_20260901090000.wma"):
        await svc.ingest(tmp_path / name, Source.IMPORT)
    report = await (await login("sup")).ok("GET", "/recordings/retention")
    assert report["count"] == 1 and report["items"][0]["name"] == "13800138000_20230101090000.wma"
    assert (await (await login("water_clerk")).call("GET", "/recordings/retention"))[0] == 403
    assert len(await rows(server, "SELECT * FROM recordings")) == 2
    assert len([p for p in svc.folders.store.rglob("*.wma")]) == 2


def test_command_line_import_prints_a_summary(tmp_path, capsys) -> None:
    import argparse
    settings_file = tmp_path / "extra.toml"
    settings_file.write_text("[security]\nargon2_time_cost = 1\n", "utf-8")
    folder = tmp_path / "in"
    make(folder, "13800138000_20260928091015.wma", 2, "wmav2")
    (folder / "bad.wma").write_text("not audio", "utf-8")
    root = argparse.ArgumentParser(prog="hotline")
    add_cli(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(["recordings", "import", str(folder), "--data-dir", str(tmp_path / "data"),
                            "--config", str(settings_file)])
    assert args.func(args) == 0
    out = capsys.readouterr()
    assert "导入 1 个（已匹配 0，未匹配 1），隔离 1 个" in out.out and "不是音频文件 1 个" in out.out
    assert "导入录音 [" in out.err  # the progress bar
    args = root.parse_args(["recordings", "retention", "--data-dir", str(tmp_path / "data")])
    assert args.func(args) == 0 and "不会删除" in capsys.readouterr().out
