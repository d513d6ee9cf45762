"""Logging in and out over HTTP: the throttling numbers the README states, the session cookie's flags,
and a session that is over once logged out (API and page alike), whoever replays its cookie."""
from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from config.settings import load_settings
from tests.support import PASSWORD, Api
from web.middleware import COOKIE

README = Path(__file__).resolve().parents[2] / "README.md"
WRONG = "Wrong-password-1"


def test_the_readme_states_the_numbers_in_force() -> None:
    security = load_settings(environ={}).security
    text = " ".join(README.read_text("utf-8").split())
    assert f"after {security.login_max_failures} failed logins in a row" in text
    assert f"locked for {security.login_lock_minutes} minutes" in text
    assert "30 failed logins from one address within 10 minutes" in text


async def _try(api: Api, username: str, password: str) -> tuple[int, dict]:
    return await api.call("POST", "/auth/login", {"username": username, "password": password})


async def test_an_account_locks_after_five_failures_for_fifteen_minutes(server, org, clock) -> None:
    api = Api(str(server.make_url("/")))
    try:
        for _ in range(4):
            assert (await _try(api, "ct", WRONG))[0] == 401
        await api.login("ct")  # a success in between starts the count again
        for i in range(5):
            status, body = await _try(api, "ct", WRONG)
            assert status == 401 and body["error"]["code"] == "bad_credentials", (i, body)
        status, body = await _try(api, "ct", PASSWORD)
        assert status == 429 and body["error"]["code"] == "too_many_attempts" and "锁定" in body["error"]["message"]
        async with api.session.post(f"{api.base}/login", data={"username": "ct", "password": PASSWORD}) as page:
            assert page.status == 429 and "锁定" in await page.text()
        clock.advance(minutes=14)
        assert (await _try(api, "ct", PASSWORD))[0] == 429
        clock.advance(minutes=1, seconds=1)
        await api.login("ct")
    finally:
        await api.close()


async def test_one_address_is_stopped_after_thirty_failures(server, org) -> None:
    api = Api(str(server.make_url("/")))
    try:
        for i in range(30):
            status, _ = await _try(api, f"guess{i}", WRONG)
            assert status == 401, i
        status, body = await _try(api, "sup", PASSWORD)
        assert status == 429 and body["error"]["code"] == "rate_limited" and body["error"]["message"]
    finally:
        await api.close()


def _cookie(resp: aiohttp.ClientResponse) -> str:
    header = next(v for v in resp.headers.getall("Set-Cookie") if v.startswith(COOKIE + "="))
    return header


async def test_session_cookie_flags(server, org) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.make_url('/api/v1/auth/login')}",
                                json={"username": "ct", "password": PASSWORD}) as resp:
            header = _cookie(resp)
        assert "HttpOnly" in header and re.search(r"SameSite=Lax", header, re.I) and "Path=/" in header
        async with session.post(f"{server.make_url('/login')}", data={"username": "sup", "password": PASSWORD},
                                allow_redirects=False) as resp:
            header = _cookie(resp)
        assert resp.status == 303 and "HttpOnly" in header and re.search(r"SameSite=Lax", header, re.I)


async def _replay(server, token: str, csrf: str) -> list[int]:
    """A client that only has the old cookie (and CSRF token): every door is shut."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar, cookies={COOKIE: token}) as s:
        got = []
        async with s.get(server.make_url("/api/v1/auth/me")) as resp:
            got.append(resp.status)
        async with s.post(server.make_url("/api/v1/cases"), json={"title": "x"},
                          headers={"X-CSRF-Token": csrf}) as resp:
            got.append(resp.status)
        async with s.get(server.make_url("/search"), allow_redirects=False) as resp:
            got.append(resp.status if resp.status != 303 else (401 if "/login" in resp.headers["Location"] else 303))
        return got


async def test_logout_ends_the_session_for_the_api_and_the_pages(server, org, login) -> None:
    api = await login("ct")
    token = api.session.cookie_jar.filter_cookies(server.make_url("/"))[COOKIE].value
    assert await _replay(server, token, api.csrf) == [200, 400, 200]  # the session works (the body is bad)
    await api.ok("POST", "/auth/logout")
    assert await _replay(server, token, api.csrf) == [401, 401, 401]

    page = Api(str(server.make_url("/")))
    try:
        async with page.session.post(f"{page.base}/login", data={"username": "sup", "password": PASSWORD}) as resp:
            assert resp.status == 200
        token = page.session.cookie_jar.filter_cookies(server.make_url("/"))[COOKIE].value
        me = await page.ok("GET", "/auth/me")
        async with page.session.post(f"{page.base}/logout", data={"_csrf": me["csrf_token"]},
                                     allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/login"
        assert await _replay(server, token, me["csrf_token"]) == [401, 401, 401]
    finally:
        await page.close()


async def test_security_headers_on_api_static_and_error_responses(server, org, login) -> None:
    ct = await login("ct")
    for url in ("/api/v1/auth/me", "/static/app.css", "/static/app.js", "/no-such-page", "/api/v1/no-such-route",
                "/login", "/public", "/healthz"):
        async with ct.session.get(f"{ct.base}{url}") as resp:
            csp = resp.headers.get("Content-Security-Policy", "")
            assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp, url
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
            assert resp.headers.get("X-Content-Type-Options") == "nosniff", url
            assert resp.headers.get("X-Frame-Options") == "DENY", url
            assert resp.headers.get("Referrer-Policy") == "same-origin", url
