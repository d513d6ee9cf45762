"""WorkCalendar over chinesecalendar with overrides, deadlines, and the five overdue classes."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casework.domain.calendar import WorkCalendar
from casework.domain.deadlines import (DEFAULT_DEADLINE_DAYS, MAX_EXTENSION_DAYS, compute_deadline,
                                       deadline_days, extend_deadline, overdue_class)
from casework.domain.enums import CaseType, OverdueClass as O, State, Urgency
from tests.unit.fakes import TZ, make_case

CAL = WorkCalendar()


def d(s: str) -> date:
    return date.fromisoformat(s)


def eod(s: str) -> datetime:
    return datetime.combine(d(s), datetime.max.time().replace(microsecond=0), tzinfo=TZ)


# --- the official calendar ---------------------------------------------------------------------

@pytest.mark.parametrize("day,workday", [
    ("2026-03-02", True), ("2026-03-07", False), ("2026-03-08", False),         # plain week
    ("2026-02-14", True), ("2026-02-28", True),                                 # Spring Festival make-up Saturdays
    ("2026-02-15", False), ("2026-02-17", False), ("2026-02-23", False), ("2026-02-24", True),
    ("2026-09-20", True), ("2026-09-25", False),                                # make-up Sunday, Mid-autumn
    ("2026-10-01", False), ("2026-10-05", False), ("2026-10-07", False),        # National Day
    ("2026-10-08", True), ("2026-10-10", True), ("2026-10-11", False),          # after it; make-up Saturday
    ("2026-01-01", False), ("2025-10-11", True),
])
def test_official_calendar(day, workday):
    assert CAL.is_workday(d(day)) is workday


def test_overrides_beat_the_package_both_ways():
    cal = WorkCalendar({d("2026-10-10"): False, d("2026-10-03"): True, d("2026-03-02"): False})
    assert not cal.is_workday(d("2026-10-10"))
    assert cal.is_workday(d("2026-10-03"))
    assert not cal.is_workday(d("2026-03-02"))
    assert cal.is_workday(d("2026-03-03"))  # untouched days still follow the package


def test_overrides_are_copied():
    overrides = {d("2026-03-02"): False}
    cal = WorkCalendar(overrides)
    overrides[d("2026-03-03")] = False
    assert cal.is_workday(d("2026-03-03"))


@pytest.mark.parametrize("day,workday", [
    ("2027-01-01", True),    # a Friday: the package does not know 2027, so only weekends are off
    ("2027-01-02", False), ("2027-01-03", False), ("2027-01-04", True), ("2030-05-01", True),
    ("2031-06-07", False),
])
def test_years_beyond_the_package_fall_back_to_weekends(day, workday):
    assert CAL.is_workday(d(day)) is workday


def test_overrides_fill_in_years_beyond_the_package():
    cal = WorkCalendar({d("2027-01-01"): False, d("2027-01-02"): True})
    assert not cal.is_workday(d("2027-01-01")) and cal.is_workday(d("2027-01-02"))


# --- add_workdays / workdays_between -----------------------------------------------------------

@pytest.mark.parametrize("start,days,expected", [
    ("2026-03-02", 0, "2026-03-02"),
    ("2026-10-03", 0, "2026-10-03"),      # zero days: the start itself, even on a holiday
    ("2026-03-02", 1, "2026-03-03"),
    ("2026-03-06", 1, "2026-03-09"),      # Friday -> Monday
    ("2026-03-07", 1, "2026-03-09"),      # from a Saturday
    ("2026-09-30", 1, "2026-10-08"),
    ("2026-09-30", 3, "2026-10-10"),
    ("2026-10-03", 1, "2026-10-08"),      # from inside the holiday
    ("2026-02-13", 1, "2026-02-14"),
    ("2026-02-14", 1, "2026-02-24"),
    ("2026-02-27", 1, "2026-02-28"),
    ("2026-12-31", 1, "2027-01-01"),      # fallback beyond the package
    ("2026-12-31", 2, "2027-01-04"),
    ("2026-03-02", 30, "2026-04-14"),     # across Qingming (Apr 4-6)
])
def test_add_workdays(start, days, expected):
    assert CAL.add_workdays(d(start), days) == d(expected)


def test_add_workdays_refuses_negative():
    with pytest.raises(ValueError):
        CAL.add_workdays(d("2026-03-02"), -1)


@pytest.mark.parametrize("start,end,count", [
    ("2026-03-02", "2026-03-02", 0), ("2026-03-02", "2026-03-01", 0),
    ("2026-03-02", "2026-03-03", 1), ("2026-03-01", "2026-03-02", 1),
    ("2026-03-02", "2026-03-09", 5), ("2026-09-30", "2026-10-10", 3),
    ("2026-02-13", "2026-02-28", 6),
])
def test_workdays_between_counts_start_exclusive_end_inclusive(start, end, count):
    assert CAL.workdays_between(d(start), d(end)) == count


def test_add_and_between_agree():
    start = d("2026-09-15")
    for n in range(0, 25):
        assert CAL.workdays_between(start, CAL.add_workdays(start, n)) == n


# --- deadlines ---------------------------------------------------------------------------------

def test_default_deadline_days():
    assert deadline_days(CaseType.CONSULTATION, Urgency.NORMAL) == 5
    assert deadline_days(CaseType.SUGGESTION, Urgency.NORMAL) == 15
    assert deadline_days(CaseType.COMPLAINT, Urgency.NORMAL) == 10
    assert deadline_days(CaseType.HELP, Urgency.NORMAL) == 5
    assert all(deadline_days(t, Urgency.URGENT) == 1 for t in CaseType)
    assert min(DEFAULT_DEADLINE_DAYS.values()) == 1 and len(DEFAULT_DEADLINE_DAYS) == 2 * len(CaseType)


def test_administrator_rules_override_defaults():
    rules = {(CaseType.COMPLAINT, Urgency.NORMAL): 7}
    assert deadline_days(CaseType.COMPLAINT, Urgency.NORMAL, rules) == 7
    assert deadline_days(CaseType.SUGGESTION, Urgency.NORMAL, rules) == 15


@pytest.mark.parametrize("start", [datetime(2026, 9, 30, 0, 0, tzinfo=TZ), datetime(2026, 9, 30, 23, 59, tzinfo=TZ)])
def test_compute_deadline_is_end_of_the_nth_working_day(start):
    due = compute_deadline(start, 3, CAL)
    assert due == eod("2026-10-10") and due.tzinfo is TZ


def test_extend_deadline_counts_from_the_deadline_day():
    assert extend_deadline(eod("2026-02-13"), 2, CAL) == eod("2026-02-24")
    assert extend_deadline(eod("2026-03-02"), 0, CAL) == eod("2026-03-02")
    assert MAX_EXTENSION_DAYS == 30


# --- overdue classes ---------------------------------------------------------------------------

DL = datetime(2026, 3, 16, 23, 59, 59, tzinfo=TZ)
SEC = timedelta(seconds=1)


@pytest.mark.parametrize("state,closed_at,now,expected", [
    (State.IN_PROGRESS, None, DL - timedelta(days=5), O.ON_TIME),
    (State.IN_PROGRESS, None, DL - timedelta(days=3), O.ON_TIME),         # exactly 3 days left
    (State.IN_PROGRESS, None, DL - timedelta(days=3) + SEC, O.DUE_SOON),   # under 3 days left
    (State.PENDING_SIGNOFF, None, DL - timedelta(hours=1), O.DUE_SOON),
    (State.PENDING_DISPATCH, None, DL, O.DUE_SOON),                        # at the deadline: not yet overdue
    (State.RETURNED, None, DL + SEC, O.OVERDUE_OPEN),
    (State.PENDING_APPROVAL, None, DL + timedelta(days=10), O.OVERDUE_OPEN),
    (State.PENDING_REVIEW, None, DL + SEC, O.OVERDUE_OPEN),
    (State.CLOSED, DL - timedelta(days=4), DL + timedelta(days=9), O.DONE_ON_TIME),
    (State.CLOSED, DL, DL + timedelta(days=9), O.DONE_ON_TIME),            # exactly at the deadline
    (State.CLOSED, DL + SEC, DL + timedelta(days=9), O.DONE_OVERDUE),
    (State.FEEDBACK_DONE, DL + timedelta(days=1), DL - timedelta(days=9), O.DONE_OVERDUE),
    (State.FEEDBACK_DONE, DL, DL + timedelta(days=1), O.DONE_ON_TIME),
    (State.CLOSED, None, DL + timedelta(days=1), O.DONE_ON_TIME),
])
def test_overdue_class(state, closed_at, now, expected):
    assert overdue_class(state, DL, closed_at, now) is expected


def test_due_soon_window_is_configurable():
    now = DL - timedelta(days=4)
    assert overdue_class(State.IN_PROGRESS, DL, None, now) is O.ON_TIME
    assert overdue_class(State.IN_PROGRESS, DL, None, now, due_soon_days=5) is O.DUE_SOON


def test_overdue_class_compares_instants_across_time_zones():
    utc_now = (DL + SEC).astimezone(ZoneInfo("UTC"))
    assert overdue_class(State.IN_PROGRESS, DL, None, utc_now) is O.OVERDUE_OPEN


def test_case_overdue_at_close():
    assert not make_case(deadline=DL).overdue_at_close
    assert not make_case(deadline=DL, closed_at=DL).overdue_at_close
    assert make_case(deadline=DL, closed_at=DL + SEC).overdue_at_close


def test_labels_parse_by_value_or_label():
    assert State.parse("closed") is State.CLOSED and State.parse("已办结") is State.CLOSED
    assert O.parse("即将逾期") is O.DUE_SOON and State.parse("nope") is None
