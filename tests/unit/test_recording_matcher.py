"""The pure matching rules (recordings/matcher.py) and the probe's verdicts, without files or ffmpeg."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from recordings import matcher as m
from recordings.model import BadAudio, ImportSummary, MatchRule, Outcome, Reason
from recordings.probe import ASF_HEADER, PeakMeter, judge, sniff

TZ = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 9, 28, 9, 10, 0, tzinfo=TZ)
TOL = timedelta(seconds=30)


def call(cid: int, number: str, offered: datetime, wait: int = 8, linked: str = "", recording: str = "") -> m.CallCandidate:
    return m.CallCandidate(cid, linked or f"17900000{cid:02d}.1", number, offered, offered + timedelta(seconds=wait),
                           recording)


@pytest.mark.parametrize("name, number, started, uid", [
    ("13800138000_20260928091015.wma", "13800138000", datetime(2026, 9, 28, 9, 10, 15), ""),
    ("20260928-091015_13800138000.WMA", "13800138000", datetime(2026, 9, 28, 9, 10, 15), ""),
    ("0898-66668888 2026-09-28 09-10-15.wma", "089866668888", datetime(2026, 9, 28, 9, 10, 15), ""),
    ("+86 138 0013 8000_20260928091015.wma", "", datetime(2026, 9, 28, 9, 10, 15), ""),
    ("q-hotline-13800138000-20260928-091015-1790000000.26.wav", "13800138000",
     datetime(2026, 9, 28, 9, 10, 15), "1790000000.26"),
    ("1790000000.26.gsm", "", None, "1790000000.26"),
    (r"D:\录音\2026\13800138000_20260928091015.wma", "13800138000", datetime(2026, 9, 28, 9, 10, 15), ""),
    ("13800138000_20261399999999.wma", "13800138000", None, ""),  # not a real time: no time, not a number either
])
def test_parse_name(name: str, number: str, started: datetime | None, uid: str) -> None:
    keys = m.parse_name(name, TZ)
    expected = started.replace(tzinfo=TZ) if started else None
    assert (keys.started_at, keys.unique_id) == (expected, uid)
    if number:
        assert keys.number == number


def test_parse_name_keeps_landline_area_codes_and_drops_country_code() -> None:
    assert m.parse_name("8613800138000_20260928091015.wma", TZ).number == "13800138000"
    assert m.parse_name("02012345678_20260928091015.wma", TZ).number == "02012345678"


def test_index_with_chinese_header_in_gbk_any_column_order() -> None:
    raw = "开始时间,文件名,来电号码\n2026-09-28 09:10:15,REC0001.wma,138-0013-8000\n\n# comment\n".encode("gb18030")
    entries = m.parse_index(m.decode_index(raw), TZ)
    assert entries == {"rec0001.wma": m.IndexEntry("REC0001.wma", "13800138000", T + timedelta(seconds=15), "")}


def test_index_without_header_tab_separated_with_unique_id() -> None:
    text = "\ufeffa.wma\t13800138000\t20260928091015\t1790000000.26\nb.wma\t\t\n"
    entries = m.parse_index(m.decode_index(text.encode("utf-8")), TZ)
    assert entries["a.wma"].linked_id == "1790000000.26" and entries["a.wma"].started_at == T + timedelta(seconds=15)
    assert entries["b.wma"] == m.IndexEntry("b.wma", "", None, "")
    assert m.parse_index("", TZ) == {}


def test_time_window_takes_the_nearest_call_of_that_number() -> None:
    calls = [call(1, "13800138000", T - timedelta(minutes=5)), call(2, "13800138000", T),
             call(3, "13900139000", T), call(4, "+86 13800138000", T + timedelta(minutes=2))]
    d = m.by_number_and_time("13800138000", T + timedelta(seconds=10), calls, TOL)
    assert (d.call_id, d.rule) == (2, MatchRule.NAME_TIME) and "2 秒" in d.note  # answered at +8 s
    d = m.by_number_and_time("13800138000", T + timedelta(minutes=2, seconds=20), calls, TOL, MatchRule.INDEX)
    assert (d.call_id, d.rule) == (4, MatchRule.INDEX)  # normalized number


def test_time_window_tolerance_edges_and_ambiguity() -> None:
    calls = [call(1, "13800138000", T, wait=0)]
    assert m.by_number_and_time("13800138000", T + TOL, calls, TOL).call_id == 1
    missed = m.by_number_and_time("13800138000", T + TOL + timedelta(seconds=1), calls, TOL)
    assert missed.call_id is None and "没有来电" in missed.note
    twins = [call(1, "13800138000", T, wait=0), call(2, "13800138000", T + timedelta(seconds=20), wait=0)]
    unsure = m.by_number_and_time("13800138000", T + timedelta(seconds=10), twins, TOL)
    assert unsure.call_id is None and "人工关联" in unsure.note
    assert m.by_number_and_time("", T, calls, TOL) == m.NO_MATCH
    assert m.by_number_and_time("13800138000", None, calls, TOL) == m.NO_MATCH


def test_window_covers_a_long_queue_wait() -> None:
    lo, hi = m.window(T, TOL)
    assert lo <= T - timedelta(hours=1) and hi == T + TOL


def test_mixmonitor_name_in_any_folder_or_extension() -> None:
    announced = "/var/spool/asterisk/monitor/2026/09/28/q-hotline-13800138000-20260928-091015-1790000000.26.wav"
    calls = [call(1, "13800138000", T, recording="/other/x.wav"), call(2, "13800138000", T, recording=announced)]
    for name in ("q-hotline-13800138000-20260928-091015-1790000000.26.wav",
                 "Q-HOTLINE-13800138000-20260928-091015-1790000000.26.WAV",
                 "q-hotline-13800138000-20260928-091015-1790000000.26.gsm"):
        d = m.by_recording_name(name, calls)
        assert (d.call_id, d.rule) == (2, MatchRule.MIXMONITOR), name
    assert m.by_recording_name("other.wav", calls) == m.NO_MATCH


def test_unique_id() -> None:
    calls = [call(1, "1", T, linked="1790000000.25"), call(2, "1", T, linked="1790000000.26")]
    assert m.by_unique_id("1790000000.26", calls) == m.Decision(2, MatchRule.UNIQUE_ID, "1790000000.26")
    assert m.by_unique_id("", calls) == m.NO_MATCH


def test_sniff_by_content_not_by_name() -> None:
    assert sniff(ASF_HEADER + b"\0" * 8, "x.wma") == "asf"
    assert sniff(b"RIFF\0\0\0\0WAVEfmt ", "x.wma") == "wav"
    assert sniff("文本".encode(), "x.wma") is None
    assert sniff(b"\xd8\x20\xa2", "x.gsm") == "gsm" and sniff(b"\xd8\x20\xa2", "x.wav") is None


def meter_of(samples: list[int]) -> PeakMeter:
    """Signed 8-bit amplitudes as ffmpeg's unsigned u8 output."""
    meter = PeakMeter()
    data = bytes(128 + s for s in samples)
    for i in range(0, len(data), 333):  # odd chunk sizes: buckets split across reads
        meter.feed(data[i:i + 333])
    return meter


LOG = ["[info] Input #0, asf, from 'x.wma':", "[info]   Duration: 00:00:02.00, start: 0.000000, bitrate: 26 kb/s",
       "[info]   Stream #0:0: Audio: wmav2 (a[1][0][0] / 0x0161), 8000 Hz, mono, fltp, 24 kb/s"]


def test_judge_measures_duration_and_peaks() -> None:
    meter = meter_of([0] * 4000 + [100, -120] * 2000)
    info = judge(LOG, 0, meter)
    assert (info.container, info.codec, info.sample_rate, info.channels, info.duration_ms) == ("asf", "wmav2", 8000, 1,
                                                                                               2000)
    assert len(info.peaks) == 100 and info.peaks[0] == 0 and info.peaks[-1] == 255


@pytest.mark.parametrize("log, code, samples, reason", [
    (LOG, 0, 0, Reason.EMPTY),
    (LOG[:2], 0, 100, Reason.CORRUPT),
    (LOG, 1, 100, Reason.CORRUPT),
    ([*LOG, "[in#0/asf @ 0x1] [error] packet_obj_size -8 invalid"], 0, 4000, Reason.CORRUPT),
])
def test_judge_refuses(log: list[str], code: int, samples: int, reason: Reason) -> None:
    with pytest.raises(BadAudio) as err:
        judge(log, code, meter_of([5] * samples))
    assert err.value.reason is reason


def test_summary_lines() -> None:
    s = ImportSummary()
    for outcome in (Outcome.MATCHED, Outcome.MATCHED, Outcome.UNMATCHED, Outcome.DUPLICATE):
        s.add(outcome, seconds=1800)
    s.add(Outcome.QUARANTINED, Reason.TRUNCATED)
    assert s.imported == 3 and s.to_dict()["quarantined"] == 1
    assert s.lines()[0].startswith("导入 3 个（已匹配 2，未匹配 1），隔离 1 个，重复跳过 1 个")
    assert "文件不完整（被截断） 1 个" in s.lines()[1]
