"""Two users press the same button on the same case at the same moment, through the API or the page's
form: exactly one wins (2xx, or the page's 303), the other gets 409, and the flow has one entry."""
from __future__ import annotations

import asyncio
from typing import Any

from tests.integration.helpers import actions, detail, dispatched, in_progress
from tests.support import PASSWORD, Api

ROUNDS = 12
OPINIONS = ("办理人办结", "签收人办结", "第二签收人办结")


async def _second_clerk(login, org) -> Api:
    admin = await login("admin")
    await admin.ok("POST", "/users", {"username": "water_qs2", "name": "水务签收二", "password": PASSWORD,
                                      "roles": ["clerk", "handler"], "department_id": org.departments["water"]},
                   status=201)
    return await login("water_qs2")


async def _press(api: Api, case_id: int, action: str, body: dict[str, Any], page: bool) -> int:
    """One press of the button: the JSON API, or the case page's form post (without following the redirect)."""
    if not page:
        return (await api.call("POST", f"/cases/{case_id}/{action}", body))[0]
    form = {**{k: str(v) for k, v in body.items()}, "_csrf": api.csrf}
    async with api.session.post(f"{api.base}/cases/{case_id}/do/{action}", data=form, allow_redirects=False) as resp:
        await resp.read()
        return resp.status


def _one_winner(statuses: list[int]) -> None:
    winners = [s for s in statuses if s in (200, 303)]
    assert len(winners) == 1 and sorted(s for s in statuses if s not in (200, 303)) == [409] * (len(statuses) - 1), \
        statuses


async def test_two_clerks_sign_the_same_case_at_once(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    c1, c2 = await login("water_clerk"), await _second_clerk(login, org)
    h1, h2 = org.users["water_h1"], org.users["water_h2"]
    for i in range(ROUNDS):
        cid = (await dispatched(ct, sup, [org.departments["water"]], title=f"同时签收{i}"))["id"]
        statuses = list(await asyncio.gather(_press(c1, cid, "sign", {"handler_id": h1}, page=i % 2 == 0),
                                             _press(c2, cid, "sign", {"handler_id": h2}, page=i % 3 == 0)))
        _one_winner(statuses)
        case = await detail(sup, cid)
        assert actions(case).count("sign") == 1 and case["state"] == "in_progress", (statuses, actions(case))
        assert case["assignments"][0]["handler_id"] in (h1, h2)


async def test_two_users_complete_the_same_case_at_once(login, org) -> None:
    ct, sup, wc = await login("ct"), await login("sup"), await login("water_clerk")
    handler, clerk2 = await login("water_h1"), await _second_clerk(login, org)
    for i in range(ROUNDS):
        cid = (await in_progress(ct, sup, wc, org, "water", "water_h1", title=f"同时办结{i}"))["id"]
        statuses = list(await asyncio.gather(
            _press(handler, cid, "complete", {"opinion": OPINIONS[0]}, page=i % 2 == 1),
            _press(wc, cid, "complete", {"opinion": OPINIONS[1]}, page=i % 3 == 1),
            _press(clerk2, cid, "complete", {"opinion": OPINIONS[2]}, page=i % 2 == 0)))
        _one_winner(statuses)
        case = await detail(sup, cid)
        done = actions(case)[3:]
        assert done == ["complete"], (statuses, actions(case))
        winner = [o for o, s in zip(OPINIONS, statuses) if s in (200, 303)]
        assert case["assignments"][0]["opinion"] == winner[0]
        assert case["state"] == "pending_approval"
