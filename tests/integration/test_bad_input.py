"""Bad input gets a clear 4xx and stores nothing; refused transitions change nothing."""
from __future__ import annotations

import pytest

from tests.integration.helpers import COMPLAINT, act, detail, dispatched, in_progress, new_case, refused
from tests.support import PASSWORD, Api


async def _count(api: Api) -> int:
    return (await api.ok("GET", "/cases"))["total"]


@pytest.mark.parametrize("change, field", [
    ({"title": None}, "title"), ({"title": "   "}, "title"), ({"content": ""}, "content"),
    ({"case_type": None}, "case_type"), ({"route": None}, "route"), ({"case_type": "rant"}, "case_type"),
    ({"route": "somewhere"}, "route"), ({"source": "pigeon"}, "source"), ({"urgency": "asap"}, "urgency"),
    ({"title": "噪" * 100 * 1024}, "title"), ({"title": "x" * 201}, "title"), ({"content": "长" * 5001}, "content"),
    ({"address": "址" * 201}, "address"), ({"caller_phone": "12345abc"}, "caller_phone"),
    ({"caller_phone": "1380013800"}, "caller_phone"), ({"caller_phone": "138001380001"}, "caller_phone"),
    ({"title": 42}, "title"), ({"route": "department", "departments": [999999]}, "departments"),
    ({"route": "department", "departments": []}, "departments"),
    ({"route": "department", "departments": ["abc"]}, "departments"),
    ({"route": "department", "departments": [1]}, "departments"),  # the centre itself is not a department
    ({"route": "department", "departments": [2, 3], "lead": 4}, "lead"),
    ({"route": "department", "departments": [2, 3]}, "lead"),
    ({"route": "front_desk", "answer": ""}, "answer"), ({"concern_department_id": 999999}, "concern_department_id"),
])
async def test_bad_intake_stores_nothing(login, org, change, field) -> None:
    ct = await login("ct")
    status, body = await ct.call("POST", "/cases", {k: v for k, v in {**COMPLAINT, **change}.items() if v is not None})
    assert status == 400, body
    assert field in body["error"]["fields"], body
    assert await _count(ct) == 0
    assert (await ct.ok("GET", "/lists/mine"))["total"] == 0
    # The case counter did not move either: the next case gets the first number of the day.
    assert (await new_case(ct))["number"] == "HK20260928-000001"


async def test_all_field_errors_at_once(login, org) -> None:
    ct = await login("ct")
    status, body = await ct.call("POST", "/cases", {"caller_phone": "abc", "title": "x" * 300, "content": "",
                                                    "case_type": "complaint", "route": "centre"})
    assert status == 400 and body["error"]["code"] == "invalid" and body["error"]["message"]
    assert set(body["error"]["fields"]) == {"title", "content", "caller_phone"}
    status, body = await ct.call("POST", "/cases", {"title": "x"})
    assert status == 400 and {"case_type", "route"} <= set(body["error"]["fields"])
    assert await _count(ct) == 0


async def test_invalid_json_and_wrong_body(login, org) -> None:
    ct = await login("ct")
    for raw, ctype in ((b"{not json", "application/json"), (b"\xff\xfe", "application/json"),
                       (b"[1, 2]", "application/json"), (b'"text"', "application/json")):
        status, body = await ct.call("POST", "/cases", data=raw, headers={"Content-Type": ctype,
                                                                           "X-CSRF-Token": ct.csrf})
        assert status == 400 and body["error"]["code"] == "bad_json", (raw, body)
    assert await _count(ct) == 0


async def _snapshot(api: Api, case_id: int) -> dict:
    case = await detail(api, case_id)
    case.pop("actions")
    return case


async def test_refused_dispatches_change_nothing(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    d = org.departments
    cid = (await new_case(ct))["id"]
    before = await _snapshot(sup, cid)
    bad = [({"departments": []}, "departments"), ({}, "departments"),
           ({"departments": [999999]}, "departments"), ({"departments": [d["centre"]]}, "departments"),
           ({"departments": [d["water"], 999999]}, "departments"), ({"departments": "water"}, "departments"),
           ({"departments": [d["water"], d["housing"]]}, "lead"),
           ({"departments": [d["water"], d["housing"]], "lead": d["traffic"]}, "lead"),
           ({"departments": [d["water"]], "lead": "x"}, "lead")]
    for body, field in bad:
        err = await refused(sup, cid, "dispatch", 400, **body)
        assert field in err["fields"], (body, err)
    assert await _snapshot(sup, cid) == before
    # Deactivated departments cannot be dispatched to either.
    admin = await login("admin")
    await admin.ok("PUT", f"/departments/{d['traffic']}", {"active": False})
    assert "departments" in (await refused(sup, cid, "dispatch", 400, departments=[d["traffic"]]))["fields"]
    assert await _snapshot(sup, cid) == before


async def test_refused_department_actions_change_nothing(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    wc, wh = await login("water_clerk"), await login("water_h1")
    d = org.departments
    case = await dispatched(ct, sup, [d["water"]])
    cid = case["id"]
    before = await _snapshot(sup, cid)
    # A handler of another department, an unknown user, no handler at all.
    for handler in (org.users["housing_h1"], 999999, None, org.users["sup"]):
        err = await refused(wc, cid, "sign", 400, handler_id=handler)
        assert "handler_id" in err["fields"]
    for dept in (999999, d["centre"], d["water"], None):
        err = await refused(wc, cid, "transfer", 400, department_id=dept)
        assert "department_id" in err["fields"]
    # Actions for a later state, or for another role.
    for action, body, code in (("complete", {"opinion": "x"}, "wrong_state"),
                               ("forward", {"handler_id": org.users["water_h2"]}, "wrong_state"),
                               ("approve", {"opinion": "x"}, "wrong_state"), ("callback", {}, "wrong_state"),
                               ("accept", {}, "wrong_state"), ("close", {"opinion": "x"}, "wrong_state")):
        api = sup if action in ("approve", "callback", "accept", "close") else wh
        assert (await refused(api, cid, action, 409, **body))["code"] == code, action
    assert (await refused(wh, cid, "sign", 403, handler_id=org.users["water_h1"]))["code"] == "role_forbidden"
    assert await _snapshot(sup, cid) == before

    case = await act(wc, cid, "sign", handler_id=org.users["water_h1"])
    before = await _snapshot(sup, cid)
    flow_len = len(before["flow"])
    assert (await refused(wc, cid, "sign", 409, handler_id=org.users["water_h1"]))["code"] == "wrong_state"
    assert (await refused(wc, cid, "return", 409, opinion="退回"))["code"] == "wrong_state"
    assert "handler_id" in (await refused(wh, cid, "forward", 400, handler_id=org.users["housing_h1"]))["fields"]
    assert (await refused(wh, cid, "complete", 400))["fields"]["opinion"]
    after = await _snapshot(sup, cid)
    assert after == before and len(after["flow"]) == flow_len and after["version"] == before["version"]


async def test_wrong_action_for_state_is_409_and_changes_nothing(login, org) -> None:
    ct, sup, wc = await login("ct"), await login("sup"), await login("water_clerk")
    case = await in_progress(ct, sup, wc, org, "water", "water_h1")
    cid = case["id"]
    before = await _snapshot(sup, cid)
    for action, body in (("dispatch", {"departments": [org.departments["housing"]]}), ("close", {"opinion": "x"}),
                         ("accept", {}), ("invalidate", {}), ("merge", {"target_id": 1}),
                         ("approve", {}), ("reject", {"opinion": "x"}), ("insist", {"opinion": "x"}),
                         ("callback", {"resolved": True}), ("review_dispatch", {"departments": [2]})):
        err = await refused(sup, cid, action, 409, **body)
        assert err["code"] == "wrong_state" and "审批中" in err["message"], (action, err)
    after = await _snapshot(sup, cid)
    assert after == before and len(after["flow"]) == len(before["flow"])
    # Unknown action, unknown case, non-numeric id.
    status, _ = await sup.call("POST", f"/cases/{cid}/explode", {})
    assert status in (404, 405)
    status, body = await sup.call("POST", "/cases/999999/close", {"opinion": "x"})
    assert status == 404 and body["error"]["code"] == "case_not_found"
    status, body = await sup.call("GET", "/cases/abc")
    assert status == 400 and "case_id" in body["error"]["fields"]


async def test_unauthenticated_and_csrf(server, login, org) -> None:
    anon = Api(str(server.make_url("/")))
    try:
        for method, path in (("GET", "/cases"), ("GET", "/lists/dispatch"), ("GET", "/cases/1"),
                             ("POST", "/cases"), ("POST", "/cases/1/dispatch"), ("GET", "/auth/me"),
                             ("GET", "/knowledge/articles"), ("GET", "/departments"), ("POST", "/auth/logout")):
            status, body = await anon.call(method, path, {} if method == "POST" else None)
            assert status == 401 and body["error"]["code"] == "unauthorized", (method, path, body)
    finally:
        await anon.close()
    ct = await login("ct")
    good = ct.csrf
    for token in ("", "forged-token"):
        ct.csrf = token
        status, body = await ct.call("POST", "/cases", COMPLAINT, headers={"X-CSRF-Token": token} if token else {})
        assert status == 403 and body["error"]["code"] == "csrf", body
    ct.csrf = good
    assert await _count(ct) == 0
    await new_case(ct)
    # After logout the session is gone.
    await ct.ok("POST", "/auth/logout")
    status, _ = await ct.call("GET", "/cases")
    assert status == 401


async def test_bad_login_and_lockout(server, org, clock) -> None:
    api = Api(str(server.make_url("/")))
    try:
        for body in ({"username": "ct", "password": "wrong-password"}, {"username": "nobody", "password": "x" * 9}):
            status, resp = await api.call("POST", "/auth/login", body)
            assert status == 401 and resp["error"]["code"] == "bad_credentials"
        status, resp = await api.call("POST", "/auth/login", {"username": ["ct"], "password": 1})
        assert status == 400
        status, resp = await api.call("POST", "/auth/login", {"username": "sup", "password": "nope"})
        assert status == 401
        await api.login("sup")  # another user's success does not reset ct's count
        for _ in range(3):  # failures 2-4 of ct
            status, resp = await api.call("POST", "/auth/login", {"username": "ct", "password": "wrong"})
            assert status == 401
        # The fifth failure locks the account; even the right password is refused while locked.
        status, resp = await api.call("POST", "/auth/login", {"username": "ct", "password": "wrong"})
        assert status == 401
        status, resp = await api.call("POST", "/auth/login", {"username": "ct", "password": PASSWORD})
        assert status == 429 and resp["error"]["code"] == "too_many_attempts", resp
        # Another account is not affected.
        other = Api(str(server.make_url("/")))
        await other.login("sup")
        await other.close()
        clock.advance(minutes=16)
        await api.login("ct")
    finally:
        await api.close()


async def test_every_intake_error_is_reported_at_once(login) -> None:
    ct = await login("ct")
    status, body = await ct.call("POST", "/cases", {"caller_phone": "12ab", "title": "", "content": ""})
    assert status == 400
    assert {"case_type", "route", "title", "content", "caller_phone"} <= set(body["error"]["fields"])


async def test_guessing_across_many_accounts_from_one_address_is_stopped(server, org) -> None:
    """Per-account lockout does not stop one address trying one password on many IDs: 30 failures
    from an address within 10 minutes close logging in from it (API and page alike)."""
    api = Api(str(server.make_url("/")))
    try:
        await api.login("sup")  # successes do not count
        for i in range(30):
            status, resp = await api.call("POST", "/auth/login", {"username": f"user{i}", "password": "Summer2026!"})
            assert status == 401, resp
        status, resp = await api.call("POST", "/auth/login", {"username": "ct", "password": PASSWORD})
        assert status == 429 and resp["error"]["code"] == "rate_limited" and "地址" in resp["error"]["message"]
        async with api.session.post(str(server.make_url("/login")),
                                    data={"username": "ct", "password": PASSWORD}) as page:
            assert page.status == 429 and "登录失败次数过多" in await page.text()
    finally:
        await api.close()
