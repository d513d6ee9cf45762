"""What a person does on the pages, as small helpers the browser tests share."""
from __future__ import annotations

import re

from playwright.async_api import Page


async def open_case(page: Page, base: str, case_id: int) -> None:
    await page.goto(f"{base}/cases/{case_id}")


async def act(page: Page, action: str, *, fill: dict[str, str] | None = None, check: list[str] | None = None,
              select: dict[str, str] | None = None) -> None:
    """Open an action's form on the case page, fill it in and submit it."""
    box = page.locator(f"#action-{action}")
    if not await box.evaluate("el => el.open"):
        await box.locator("summary").click()
    for name, value in (select or {}).items():
        await box.locator(f"select[name={name}]").select_option(value)
    for label in check or []:
        await box.get_by_label(label, exact=True).check()
    for name, value in (fill or {}).items():
        await box.locator(f"[name={name}]").fill(value)
    async with page.expect_navigation():
        await box.locator("button[type=submit]").click()


async def flash(page: Page) -> str:
    return (await page.locator(".flash").first.inner_text()).strip()


async def state_label(page: Page) -> str:
    return (await page.locator("h1 .badge").first.inner_text()).strip()


def case_id_from(url: str) -> int:
    match = re.search(r"/cases/(\d+)", url)
    assert match, url
    return int(match.group(1))
