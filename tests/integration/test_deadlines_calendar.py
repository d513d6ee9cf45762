"""Deadlines in working days on the official calendar (National Day, Spring Festival make-up days),
the administrator's deadline rules and calendar overrides, all through the API."""
from __future__ import annotations

from datetime import datetime

from tests.conftest import TZ
from tests.integration.helpers import act, detail, new_case, relogin


async def _deadline(api, **over) -> str:
    return (await new_case(api, **over))["deadline"]


async def test_deadlines_across_national_day_2026(login, org, clock) -> None:
    ct = await login("ct")
    # Registered Mon 28 Sep 09:00; 1-7 Oct are off, Thu 8 Oct and Sat 10 Oct are working days.
    assert await _deadline(ct, case_type="help", urgency="urgent") == "2026-09-29 23:59:59"
    assert await _deadline(ct, case_type="consultation") == "2026-10-10 23:59:59"  # the make-up Saturday
    assert await _deadline(ct, case_type="complaint") == "2026-10-16 23:59:59"
    assert await _deadline(ct, case_type="suggestion") == "2026-10-23 23:59:59"
    # On the eve of the holiday an urgent case is due on the first day back.
    clock.current = datetime(2026, 9, 30, 16, 0, tzinfo=TZ)
    await relogin(ct)
    assert await _deadline(ct, case_type="help", urgency="urgent") == "2026-10-08 23:59:59"
    # A case registered on a holiday counts from the next working day.
    clock.current = datetime(2026, 10, 3, 11, 0, tzinfo=TZ)
    await relogin(ct)
    assert await _deadline(ct, case_type="help", urgency="urgent") == "2026-10-08 23:59:59"
    assert await _deadline(ct, case_type="consultation") == "2026-10-13 23:59:59"


async def test_deadlines_across_spring_festival_2026_make_up_days(login, org, clock) -> None:
    # Thu 12 Feb 2026; Sat 14 Feb and Sat 28 Feb are make-up working days, 15-23 Feb are off.
    clock.current = datetime(2026, 2, 12, 9, 0, tzinfo=TZ)
    ct = await login("ct")
    assert await _deadline(ct, case_type="consultation") == "2026-02-26 23:59:59"
    assert await _deadline(ct, case_type="complaint") == "2026-03-04 23:59:59"
    assert await _deadline(ct, case_type="suggestion") == "2026-03-11 23:59:59"
    clock.current = datetime(2026, 2, 13, 9, 0, tzinfo=TZ)
    await relogin(ct)
    assert await _deadline(ct, case_type="help", urgency="urgent") == "2026-02-14 23:59:59"
    clock.current = datetime(2026, 2, 14, 9, 0, tzinfo=TZ)  # working on the make-up Saturday
    await relogin(ct)
    assert await _deadline(ct, case_type="help", urgency="urgent") == "2026-02-24 23:59:59"
    clock.current = datetime(2026, 2, 27, 9, 0, tzinfo=TZ)
    await relogin(ct)
    assert await _deadline(ct, case_type="help", urgency="urgent") == "2026-02-28 23:59:59"


async def test_review_acceptance_counts_from_acceptance(login, org, clock) -> None:
    clock.current = datetime(2026, 9, 30, 10, 0, tzinfo=TZ)
    ct = await login("ct")
    case = await new_case(ct, source="email", route="review")
    clock.current = datetime(2026, 10, 8, 9, 0, tzinfo=TZ)
    await relogin(ct)
    accepted = await act(ct, case["id"], "accept")
    assert accepted["deadline"] == "2026-10-21 23:59:59"


async def test_admin_deadline_rules_apply_to_new_cases(login, org) -> None:
    admin, ct, sup = await login("admin"), await login("ct"), await login("sup")
    old = await new_case(ct)
    status, body = await sup.call("PUT", "/deadline-rules", {"case_type": "complaint", "urgency": "normal", "days": 3})
    assert status == 403
    status, body = await admin.call("PUT", "/deadline-rules", {"case_type": "complaint", "urgency": "normal", "days": 0})
    assert status == 400 and "days" in body["error"]["fields"]
    status, body = await admin.call("PUT", "/deadline-rules", {"case_type": "投诉", "urgency": "bad", "days": 3})
    assert status == 400 and "urgency" in body["error"]["fields"]
    rules = await admin.ok("PUT", "/deadline-rules", {"case_type": "complaint", "urgency": "normal", "days": 3})
    assert {(r["case_type"], r["urgency"]): r["days"] for r in rules}[("complaint", "normal")] == 3
    assert await _deadline(ct) == "2026-10-08 23:59:59"  # 29 Sep, 30 Sep, 8 Oct
    assert (await detail(ct, old["id"]))["deadline"] == "2026-10-16 23:59:59"  # existing cases keep theirs


async def test_calendar_overrides_change_deadlines_of_new_cases(login, org) -> None:
    admin, ct = await login("admin"), await login("ct")
    before = await new_case(ct)
    assert before["deadline"] == "2026-10-16 23:59:59"
    # Only an administrator keeps the calendar.
    status, body = await ct.call("PUT", "/calendar/overrides/2026-09-29", {"is_workday": False})
    assert status == 403
    status, body = await admin.call("PUT", "/calendar/overrides/2026-02-30", {"is_workday": False})
    assert status == 400 and "day" in body["error"]["fields"]
    status, body = await admin.call("PUT", "/calendar/overrides/2026-09-29", {"is_workday": "maybe"})
    assert status == 400 and "is_workday" in body["error"]["fields"]

    # A typhoon day off on Tue 29 Sep pushes the deadline one working day later (Mon 19 Oct).
    overrides = await admin.ok("PUT", "/calendar/overrides/2026-09-29", {"is_workday": False, "note": "台风停工"})
    assert [(o["day"], bool(o["is_workday"])) for o in overrides] == [("2026-09-29", False)]
    assert await _deadline(ct) == "2026-10-19 23:59:59"
    # Working Sun 11 Oct as well brings it back to Fri 16 Oct.
    await admin.ok("PUT", "/calendar/overrides/2026-10-11", {"is_workday": True, "note": "加班"})
    assert await _deadline(ct) == "2026-10-16 23:59:59"
    # Making a National Day holiday a working day shortens the count.
    await admin.ok("PUT", "/calendar/overrides/2026-10-02", {"is_workday": True})
    assert await _deadline(ct) == "2026-10-15 23:59:59"
    assert len(await ct.ok("GET", "/calendar/overrides")) == 3

    for day in ("2026-09-29", "2026-10-11", "2026-10-02"):
        await admin.ok("DELETE", f"/calendar/overrides/{day}")
    status, body = await admin.call("DELETE", "/calendar/overrides/2026-09-29")
    assert status == 404
    assert await _deadline(ct) == "2026-10-16 23:59:59"
    assert (await detail(ct, before["id"]))["deadline"] == "2026-10-16 23:59:59"
