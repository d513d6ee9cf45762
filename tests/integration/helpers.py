"""Small builders shared by the integration tests: cases in a given state, and re-login after clock moves."""
from __future__ import annotations

from typing import Any

from tests.support import Api, Org

COMPLAINT: dict[str, Any] = {
    "title": "小区夜间施工噪音扰民", "content": "金贸街道某小区夜间施工，噪音很大，影响休息",
    "case_type": "complaint", "route": "centre", "caller_phone": "13800138000", "caller_name": "王五",
    "address": "龙华区金贸西路"}


async def new_case(api: Api, **over: Any) -> dict[str, Any]:
    """Register a case (by default a phone complaint sent to the supervision centre)."""
    return await api.ok("POST", "/cases", {**COMPLAINT, **over}, status=201)


async def act(api: Api, case_id: int, action: str, status: int = 200, **body: Any) -> dict[str, Any]:
    return await api.ok("POST", f"/cases/{case_id}/{action}", body, status=status)


async def refused(api: Api, case_id: int, action: str, status: int, **body: Any) -> dict[str, Any]:
    """Perform an action that must fail with `status`; return the error object."""
    got, resp = await api.call("POST", f"/cases/{case_id}/{action}", body)
    assert got == status, (got, resp)
    return resp["error"]


async def detail(api: Api, case_id: int) -> dict[str, Any]:
    return await api.ok("GET", f"/cases/{case_id}")


def actions(case: dict[str, Any]) -> list[str]:
    return [f["action"] for f in case["flow"]]


def assignment(case: dict[str, Any], department_id: int) -> dict[str, Any]:
    """The latest assignment of `department_id` on the case."""
    found = [a for a in case["assignments"] if a["department_id"] == department_id]
    assert found, case["assignments"]
    return found[-1]


async def list_ids(api: Api, name: str, **params: Any) -> list[int]:
    body = await api.ok("GET", f"/lists/{name}", params={"per_page": 100, **params})
    return [item["id"] for item in body["items"]]


async def search_ids(api: Api, **params: Any) -> list[int]:
    body = await api.ok("GET", "/cases", params={"per_page": 100, **params})
    return [item["id"] for item in body["items"]]


async def relogin(*apis: Api) -> None:
    """Sessions last 12 hours of the (manual) clock: log in again after moving it by days."""
    for api in apis:
        await api.login(api.user["username"])


async def dispatched(ct: Api, sup: Api, departments: list[int], lead: int | None = None,
                     **over: Any) -> dict[str, Any]:
    case = await new_case(ct, **over)
    body: dict[str, Any] = {"departments": departments, "opinion": "请核查处理"}
    if lead is not None:
        body["lead"] = lead
    return await act(sup, case["id"], "dispatch", **body)


async def in_progress(ct: Api, sup: Api, clerk: Api, org: Org, dept: str, handler: str,
                      **over: Any) -> dict[str, Any]:
    """A single-department case signed by `clerk` and forwarded to `handler`."""
    case = await dispatched(ct, sup, [org.departments[dept]], **over)
    return await act(clerk, case["id"], "sign", handler_id=org.users[handler])
