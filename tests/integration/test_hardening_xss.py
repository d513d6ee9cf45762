"""Stored and reflected XSS: a script in every free-text field that a page shows (case fields, every
kind of opinion, knowledge, departments, users, file names, citizens' submissions, search words) is shown
as text on every page of every role, never as markup; every page carries the CSP and security headers."""
from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlparse

from tests.integration.hardening import PNG
from tests.integration.helpers import act, new_case
from tests.integration.test_attachments import upload
from tests.support import PASSWORD, Api, Org
from web.menu import MENU

HREF = re.compile(r'href="([^"#]+)"')
RAW = ("<script>alert(", "<img src=x onerror", "<svg onload", "javascript:alert", "<iframe")
HEADERS = {"Content-Security-Policy": "default-src 'self'", "X-Frame-Options": "DENY",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def payload(tag: str) -> str:
    return f'<script>alert("{tag}")</script><img src=x onerror=alert(1)>"\'><svg onload=alert(1)><iframe>{tag}'


def name_payload(tag: str) -> str:
    """For fields with a short limit or no slashes (department, user and file names)."""
    return f'<img src=x onerror=alert(1)>{tag}'


async def _cases(ct: Api, sup: Api, apis: dict[str, Api], org: Org, fields: dict[str, str]) -> list[int]:
    d, u = org.departments, org.users
    a = await new_case(ct, title=fields["title"], content=fields["content"], address=fields["address"],
                       caller_name=fields["caller_name"])
    cid = a["id"]
    await act(sup, cid, "dispatch", departments=[d["water"]], opinion=fields["dispatch"])
    await act(apis["water_clerk"], cid, "sign", handler_id=u["water_h1"], opinion=fields["sign"])
    wh = apis["water_h1"]
    status, body = await upload(wh, cid, fields["file"] + ".png", PNG)
    assert status == 201, body
    await act(wh, cid, "request_extension", days=2, opinion=fields["extension"])
    await act(sup, cid, "decide_extension", approve=True, opinion=fields["decision"])
    await act(sup, cid, "urge", opinion=fields["urge"])
    await act(wh, cid, "complete", opinion=fields["result"])
    await act(sup, cid, "reject", opinion=fields["reject"])
    await act(wh, cid, "complete", opinion=fields["result"])
    await act(sup, cid, "approve", opinion=fields["approve"])
    await act(ct, cid, "callback", resolved=True, satisfaction="satisfied", opinion=fields["callback"])
    b = await new_case(ct, title="退回的办件")
    await act(sup, b["id"], "dispatch", departments=[d["housing"]])
    await act(apis["housing_clerk"], b["id"], "return", opinion=fields["return"])
    c = await new_case(ct, route="front_desk", case_type="consultation", answer=fields["answer"])
    e = await new_case(ct, route="department", departments=[d["water"]], instructions=fields["instructions"])
    return [cid, b["id"], c["id"], e["id"]]


async def _others(server, sup: Api, admin: Api, org: Org, fields: dict[str, str]) -> int:
    cat = await sup.ok("POST", "/knowledge/categories", {"name": fields["category"]}, status=201)
    art = await sup.ok("POST", "/knowledge/articles", {"category_id": cat["id"], "title": fields["kb_title"],
                                                       "body": fields["kb_body"], "keywords": fields["kb_keywords"]},
                       status=201)
    await admin.ok("POST", "/departments", {"name": fields["department"], "kind": "department"}, status=201)
    await admin.ok("POST", "/users", {"username": "xss_user", "name": fields["user"], "password": PASSWORD,
                                      "roles": ["handler"], "department_id": org.departments["water"]}, status=201)
    citizen = Api(str(server.make_url("/")))
    try:
        await citizen.ok("POST", "/public/cases", {"title": fields["public_title"], "content": fields["public_content"],
                                                   "case_type": "suggestion", "caller_phone": "13800138000"},
                         status=201)
    finally:
        await citizen.close()
    return art["id"]


async def _crawl(api: Api, start: list[str], pages: dict[str, tuple[str, dict[str, str]]]) -> None:
    """The start pages, and the links they show (bounded)."""
    queue, seen = list(start), 0
    while queue and seen < 120:
        url = queue.pop(0)
        key = f"{api.user.get('username', 'anon')} {url}"
        if key in pages:
            continue
        async with api.session.get(api.base + url) as resp:
            text = await resp.text() if resp.content_type == "text/html" else ""
            assert resp.status < 500, (key, resp.status)
            pages[key] = (text, dict(resp.headers))
        seen += 1
        if url in start:
            links = [urlparse(urljoin(api.base + url, h)) for h in HREF.findall(text)]
            queue += [p.path + (f"?{p.query}" if p.query else "") for p in links
                      if p.netloc in ("", urlparse(api.base).netloc) and not p.path.startswith(("/static", "/api"))
                      and "export" not in p.path and p.path != "/logout"][:40]


async def test_every_free_text_field_is_escaped_on_every_page(server, login, org) -> None:
    names = ("title", "content", "address", "dispatch", "sign", "extension", "decision", "urge",
             "result", "reject", "approve", "callback", "return", "answer", "instructions", "kb_title", "kb_body",
             "kb_keywords", "public_title", "public_content")
    fields = {n: payload(f"XSS_{n}") for n in names}
    fields.update({n: name_payload(f"XSS_{n}") for n in ("file", "category", "department", "user", "caller_name")})
    users = ("ct", "sup", "water_clerk", "water_h1", "housing_clerk", "mayor", "water_leader", "admin")
    apis = {u: await login(u) for u in users}
    case_ids = await _cases(apis["ct"], apis["sup"], apis, org, fields)
    article = await _others(server, apis["sup"], apis["admin"], org, fields)
    reflected = quote(payload("XSS_reflected"))
    extra = [f"/cases/{i}" for i in case_ids] + [
        f"/print/forms?ids={','.join(map(str, case_ids))}", f"/print/list?ids={','.join(map(str, case_ids))}",
        f"/knowledge/articles/{article}", f"/search?q={reflected}", f"/knowledge?q={reflected}",
        f"/lists/supervision_all?q={reflected}", f"/search?from={reflected}", f"/stats?from={reflected}"]
    pages: dict[str, tuple[str, dict[str, str]]] = {}
    for api in apis.values():
        await _crawl(api, [m.url for m in MENU] + extra, pages)
    anon = Api(str(server.make_url("/")))
    try:
        await _crawl(anon, [f"/login?next={reflected}", f"/public/lookup?number={reflected}&code={reflected}",
                            "/public"], pages)
    finally:
        await anon.close()
    for key, (text, headers) in pages.items():
        for raw in RAW:
            assert raw not in text, (key, raw, text[max(0, text.find(raw) - 200):text.find(raw) + 100])
        for header, value in HEADERS.items():
            assert value in headers.get(header, ""), (key, header, headers.get(header))
    shown = " ".join(text for text, _ in pages.values())
    missing = [n for n in (*fields, "reflected") if f"XSS_{n}" not in shown]
    assert missing == [], f"fields never shown on any page (the test would not see them): {missing}"
    print(f"\nXSS: {len(fields) + 1} fields, {len(pages)} pages checked")


async def test_json_and_downloads_are_not_pages(server, login, org) -> None:
    """An attachment named like a page is served as a download, never rendered by the browser."""
    ct, sup, wc, wh = await login("ct"), await login("sup"), await login("water_clerk"), await login("water_h1")
    case = await new_case(ct)
    await act(sup, case["id"], "dispatch", departments=[org.departments["water"]])
    await act(wc, case["id"], "sign", handler_id=org.users["water_h1"])
    status, info = await upload(wh, case["id"], "说明.txt", b"<html><script>alert(1)</script></html>")
    assert status == 201
    async with wh.session.get(f"{wh.base}/api/v1/attachments/{info['id']}") as resp:
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Content-Type"].startswith("text/plain")
    async with ct.session.get(f"{ct.base}/api/v1/cases/{case['id']}") as resp:
        assert resp.content_type == "application/json"
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
