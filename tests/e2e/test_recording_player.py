"""A department user plays a case's recording in Chromium, seeks on the waveform, changes the speed;
the browser's seek is a Range request (206) and the playback is in the audit log."""
from __future__ import annotations

import asyncio

import pytest

from tests.e2e.conftest import screenshot
from tests.integration.test_recordings import case_with_recording
from tests.support import Api
from web.app import create_app

SECONDS = 20


@pytest.fixture
async def server(aiohttp_server, settings, clock):
    app = create_app(settings, clock=clock)
    return await aiohttp_server(app)


async def until(page, script: str, timeout: float = 15.0) -> None:
    """Poll a condition from Python: wait_for_function would evaluate a string, which the CSP forbids."""
    for _ in range(int(timeout / 0.1)):
        if await page.eval_on_selector(".recording-player", script):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {script}")


async def test_play_seek_and_speed_in_the_browser(as_user, server, org, tmp_path) -> None:
    base = str(server.make_url("/")).rstrip("/")
    ct, sup = await Api(base).login("ct"), await Api(base).login("sup")
    try:
        await play_and_seek(as_user, server, org, tmp_path, base, ct, sup)
    finally:
        await ct.close()
        await sup.close()


async def play_and_seek(as_user, server, org, tmp_path, base: str, ct: Api, sup: Api) -> None:
    case_id, rec_id = await case_with_recording(server, org, ct, sup, tmp_path, seconds=SECONDS)
    page = await as_user("water_clerk")
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if f"/recordings/{rec_id}/audio" in r.url else None)
    await page.goto(f"{base}/recordings/case/{case_id}")
    player = page.locator(f".recording-player[data-recording-id='{rec_id}']")
    await until(page, "p => p.dataset.ready === '1'")
    drawn = await page.eval_on_selector("canvas.waveform", """c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) ink++; return ink; }""")
    assert drawn > 1000  # the waveform is drawn from the peaks before anything is fetched

    await player.locator(".player-toggle").click()
    await until(page, "p => p.querySelector('audio').currentTime > 0.3")
    assert await player.locator(".player-toggle").inner_text() == "暂停"

    box = await player.locator("canvas.waveform").bounding_box()
    assert box is not None
    await page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    await until(page, "p => p.querySelector('audio').currentTime > 15.2")
    assert abs(float(await player.get_attribute("data-seeked-to")) - SECONDS * 0.75) < 0.5

    await player.locator("select.speed").select_option("1.5")
    assert await page.eval_on_selector(".recording-player audio", "a => a.playbackRate") == 1.5
    assert "/ 00:20" in await player.locator(".player-time").inner_text()
    await screenshot(page, "recording_player")
    assert 206 in statuses, statuses  # the browser fetched the transcode by Range requests

    log = await sup.ok("GET", f"/recordings/{rec_id}/audit")
    assert [(e["user_name"], e["action"]) for e in log] == [("水务签收", "play")]
