"""Every role's pages in headless Chromium under the platform's CSP: no violation reported (console or
`securitypolicyviolation` event), no script error, and a stored script in a case never runs."""
from __future__ import annotations

from playwright.async_api import Page

from tests.integration.helpers import act, dispatched, new_case
from web.menu import MENU, menu_for
from web.keys import SERVICES

XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)">'
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " "
                         + e.sourceFile + ":" + e.lineNumber));
"""


async def _watched(page: Page, problems: list[str]) -> None:
    await page.add_init_script(WATCH)
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
            if m.type == "error" or "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: problems.append(f"dialog opened: {d.message}"))


async def _visit(page: Page, url: str, problems: list[str]) -> None:
    await page.goto(url)
    await page.wait_for_load_state("networkidle")
    for tab in await page.locator("[data-tab]").all():
        if await tab.is_visible():
            await tab.click()
    problems.extend(f"{url}: {v}" for v in await page.evaluate("window.__csp || []"))


async def test_pages_of_every_role_run_under_the_csp(server, org, login, as_user) -> None:
    ct, sup = await login("ct"), await login("sup")
    case = await dispatched(ct, sup, [org.departments["water"]], title=XSS, content=XSS, address=XSS)
    await act(await login("water_clerk"), case["id"], "sign", handler_id=org.users["water_h1"], opinion=XSS)
    await new_case(ct, route="front_desk", case_type="consultation", answer=XSS, title="社保卡办理")
    base = str(server.make_url("/")).rstrip("/")
    users = await server.app[SERVICES].accounts.users()
    visited = 0
    problems: list[str] = []
    for username in ("sup", "ct", "water_clerk", "water_h1", "mayor", "admin"):
        page = await as_user(username)
        await _watched(page, problems)
        roles = next(u.roles for u in users if u.username == username)
        urls = [m.url for m in menu_for(roles)] + [f"/cases/{case['id']}", "/search"]
        for url in dict.fromkeys(urls):
            await _visit(page, base + url, problems)
            visited += 1
    assert problems == [], "\n".join(problems)
    assert visited >= len(MENU)
    print(f"\nCSP: {visited} page visits by 6 roles, no violation")
