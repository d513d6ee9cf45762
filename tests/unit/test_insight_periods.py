"""Statistics periods, their buckets and the small formatting rules the pages and workbooks share."""
from __future__ import annotations

from datetime import date

import pytest

from casework.errors import Invalid
from casework.insight.appraisal import METRICS, parse_weights, rank, score
from casework.insight.periods import Period, bucket_label, buckets, parse_period
from casework.insight.rollup import runs
from casework.insight.tables import Column, StatRow, StatTable, display, to_sheet

DEFAULT = Period(date(2026, 9, 1), date(2026, 9, 28))


def test_weeks_start_on_monday_and_are_clipped_to_the_period() -> None:
    weeks = buckets(Period(date(2026, 9, 25), date(2026, 10, 6)), "week")
    assert [(w.start.isoformat(), w.end.isoformat()) for w in weeks] == [
        ("2026-09-25", "2026-09-27"), ("2026-09-28", "2026-10-04"), ("2026-10-05", "2026-10-06")]
    assert bucket_label(weeks[1], "week") == "2026年第40周（09-28至10-04）"


def test_months_and_days() -> None:
    months = buckets(Period(date(2026, 1, 30), date(2026, 3, 2)), "month")
    assert [m.end.isoformat() for m in months] == ["2026-01-31", "2026-02-28", "2026-03-02"]
    assert bucket_label(months[1], "month") == "2026年2月"
    assert len(buckets(DEFAULT, "day")) == 28


def test_parse_period_defaults_and_errors() -> None:
    assert parse_period({}, DEFAULT) == DEFAULT
    assert parse_period({"from": "2026-09-10"}, DEFAULT).start == date(2026, 9, 10)
    with pytest.raises(Invalid) as err:
        parse_period({"from": "2026-09-10", "to": "2026-09-01"}, DEFAULT)
    assert "to" in err.value.fields
    with pytest.raises(Invalid) as err:
        parse_period({"from": "2024-01-01", "to": "2026-01-01"}, DEFAULT)
    assert "from" in err.value.fields


def test_dirty_days_group_into_runs() -> None:
    assert runs(["2026-09-03", "2026-09-01", "2026-09-02", "2026-09-05", "2026-09-05"]) == [
        ("2026-09-01", "2026-09-03"), ("2026-09-05", "2026-09-05")]
    assert runs(["2026-02-28", "2026-03-01"]) == [("2026-02-28", "2026-03-01")]


def test_score_leaves_out_metrics_without_data_and_inverts_the_bad_ones() -> None:
    weights = {m.key: 20 for m in METRICS}
    assert score({"sign": 1.0, "return": 0.0, "on_time": 1.0, "reopen": 0.0, "satisfaction": 1.0}, weights) == 100
    assert score({"sign": 0.5, "return": None, "on_time": None, "reopen": None, "satisfaction": None}, weights) == 50
    assert score({"sign": None, "return": 0.25}, weights) == 75
    assert score({}, weights) is None
    assert score({"sign": 0.5, "on_time": 1.0}, {"sign": 0, "on_time": 10}) == 100


def test_rank_shares_places_and_puts_the_unscored_last() -> None:
    rows = [StatRow(str(i), name, values={"score": s}) for i, (name, s) in
            enumerate((("乙", 80.0), ("甲", 90.0), ("丙", None), ("丁", 80.0)))]
    ranked = rank(rows)
    assert [(r.label, r.values["rank"]) for r in ranked] == [("甲", 1), ("丁", 2), ("乙", 2), ("丙", "—")]


def test_weights_must_be_whole_numbers_up_to_100_not_all_zero() -> None:
    good = {m.key: "20" for m in METRICS}
    assert parse_weights(good) == {m.key: 20 for m in METRICS}
    zero = {m.key: "0" for m in METRICS}
    for bad in ({**good, "sign": "101"}, {**good, "sign": "-1"}, {**good, "sign": "1.5"}, zero):
        with pytest.raises(Invalid):
            parse_weights(bad)


def test_sheet_values_are_the_page_values() -> None:
    assert display(None, "rate") == "—" and display(0.6667, "rate") == 66.7 and display(30, "seconds") == 30
    assert display(18.75, "seconds") == 18.8 and display(3, "count") == 3
    table = StatTable("t", "表", [Column("n", "件数"), Column("r", "比率", "rate")],
                      [StatRow("a", "甲", values={"r": 0.5})], first="项目")
    sheet = to_sheet(table)
    assert sheet.header == ["项目", "件数", "比率（%）"] and sheet.rows == [["甲", 0, 50.0]]
