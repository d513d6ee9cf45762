"""Browser fixtures: Debian's Chromium driven by Playwright against a real server on loopback."""
from __future__ import annotations

import os
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.support import PASSWORD

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(os.environ.get("HOTLINE_ARTIFACTS", "var/test-artifacts"))


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: scripts/dev installs it (apt package chromium)")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        await b.close()


async def logged_in(browser: Browser, base: str, username: str, contexts: list) -> Page:
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    contexts.append(context)
    page = await context.new_page()
    page.set_default_timeout(10000)
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form#login-form button[type=submit]")
    await page.wait_for_load_state()
    assert "/login" not in page.url, await page.content()
    return page


@pytest.fixture
async def as_user(browser: Browser, server, org) -> AsyncIterator[Callable[[str], Awaitable[Page]]]:
    """A logged-in page for a user, each in its own browser context (own cookies)."""
    contexts: list = []
    yield lambda username: logged_in(browser, str(server.make_url("/")).rstrip("/"), username, contexts)
    for context in contexts:
        await context.close()


@pytest.fixture
async def as_pbx_user(browser: Browser, pbx_server) -> AsyncIterator[Callable[[str], Awaitable[Page]]]:
    """Like as_user, against the app running the PBX simulator."""
    contexts: list = []
    server = pbx_server[0]
    yield lambda username: logged_in(browser, str(server.make_url("/")).rstrip("/"), username, contexts)
    for context in contexts:
        await context.close()


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
