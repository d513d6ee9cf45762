"""Inputs schemathesis found answering 500, pinned down: numbers SQLite cannot hold, names taken by a
department or by a removed knowledge category. Each is a clear 400 (or works) and changes nothing."""
from __future__ import annotations

from tests.integration.helpers import new_case

HUGE = ("9223372036854775808", "-9223372036854775809", "1" + "0" * 40)


async def test_numbers_beyond_sqlite_are_400(login, org) -> None:
    ct, sup, admin = await login("ct"), await login("sup"), await login("admin")
    case = await new_case(ct)
    tried = 0
    for n in HUGE:
        for api, method, path in ((sup, "GET", f"/cases/{n}"), (sup, "POST", f"/cases/{n}/close"),
                                  (sup, "GET", f"/recordings/{n}"), (sup, "GET", f"/calls/{n}"),
                                  (admin, "PUT", f"/users/{n}"), (sup, "GET", f"/knowledge/articles/{n}"),
                                  (sup, "GET", f"/departments/{n}/staff"), (sup, "GET", f"/attachments/{n}")):
            status, body = await api.call(method, path, {"opinion": "x", "name": "x"} if method != "GET" else None)
            tried += 1
            assert status == 400 and body["error"]["fields"], (path, status, body)
        for api, path, params in ((sup, "/cases", {"department": n}), (sup, "/cases", {"page": n}),
                                  (sup, "/recordings/unmatched", {"page": n}), (sup, "/calls", {"case_id": n}),
                                  (sup, "/knowledge/articles", {"category": n}), (sup, "/lists/dispatch", {"page": n})):
            status, body = await api.call("GET", path, params=params)
            tried += 1
            assert status in (200, 400), (path, params, status, body)
            assert status == 200 or body["error"]["code"] == "invalid"
        status, body = await sup.call("POST", f"/cases/{case['id']}/dispatch", {"departments": [int(n)]})
        tried += 1
        assert status == 400 and "departments" in body["error"]["fields"], body
        status, body = await sup.call("POST", "/knowledge/articles", {"category_id": int(n), "title": "t", "body": "b"})
        tried += 1
        assert status == 400, body
    for path in ("/cases", "/calls", "/lists/dispatch"):  # a page SQLite holds, but whose OFFSET it cannot
        status, body = await sup.call("GET", path, params={"page": "100000000000000000", "per_page": "100"})
        tried += 1
        assert status == 200 and body["items"] == [], (path, status, body)
    assert (await sup.ok("GET", f"/cases/{case['id']}"))["state"] == "pending_dispatch"
    print(f"\nhuge numbers tried: {tried}")


async def test_names_taken_are_400_or_revive(login, org) -> None:
    admin, sup = await login("admin"), await login("sup")
    status, body = await admin.call("PUT", f"/departments/{org.departments['water']}", {"name": "市交通运输局"})
    assert status == 400 and "name" in body["error"]["fields"], body
    assert {d["name"] for d in await admin.ok("GET", "/departments")} >= {"市水务局", "市交通运输局"}
    cat = await sup.ok("POST", "/knowledge/categories", {"name": "供水"}, status=201)
    await sup.ok("DELETE", f"/knowledge/categories/{cat['id']}")
    again = await sup.ok("POST", "/knowledge/categories", {"name": "供水", "sort": 3}, status=201)
    assert again["id"] == cat["id"] and [c["name"] for c in await sup.ok("GET", "/knowledge/categories")] == ["供水"]
    other = await sup.ok("POST", "/knowledge/categories", {"name": "燃气"}, status=201)
    await sup.ok("DELETE", f"/knowledge/categories/{other['id']}")
    status, body = await sup.call("PUT", f"/knowledge/categories/{cat['id']}", {"name": "燃气"})
    assert status == 400 and "name" in body["error"]["fields"], body


async def test_numbers_beyond_sqlite_in_pages_are_not_500(login, org) -> None:
    sup = await login("sup")
    tried = 0
    for n in HUGE:
        for url in (f"/cases/{n}", f"/print/forms?ids={n}", f"/print/list?ids=1,{n}", f"/hotspots/cases?id={n}",
                    f"/hotspots/cases/export.xlsx?id={n}", f"/stats/cases?department={n}", f"/search?department={n}",
                    f"/search?page={n}", f"/lists/dispatch?page={n}", f"/knowledge?page={n}",
                    f"/knowledge?category={n}",
                    f"/recordings?page={n}", f"/calls/records?case_id={n}", f"/calls/records?page={n}",
                    f"/stats/cases?page={n}", f"/export/cases.xlsx?department={n}", f"/knowledge/articles/{n}",
                    f"/recordings/case/{n}", f"/recordings/panel/call/{n}"):
            async with sup.session.get(sup.base + url) as resp:
                tried += 1
                assert resp.status in (200, 400, 404), (url, resp.status)
    print(f"\nhuge numbers tried on pages: {tried}")
