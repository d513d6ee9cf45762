"""打印: the paper approval form (审批表) of selected cases, and 打印列表."""
from __future__ import annotations

from aiohttp import web

from casework.cases.parse import checked_int
from casework.cases.present import case_detail
from casework.errors import Invalid
from web.keys import CLOCK, SETTINGS
from web.render import redirect, render
from web.request import actor, path_int, services

routes = web.RouteTableDef()
MAX_PRINT = 100


def _ids(request: web.Request) -> list[int]:
    raw = [v for key in ("ids", "id") for v in request.query.getall(key, [])]
    try:
        ids = list(dict.fromkeys(checked_int(x) for part in raw for x in part.split(",") if x.strip()))
    except ValueError:
        raise Invalid(fields={"ids": "办件编号有误"}) from None
    if not ids:
        raise Invalid("请先勾选要打印的办件", fields={"ids": "请先勾选要打印的办件"})
    return ids[:MAX_PRINT]


async def _details(request: web.Request) -> list[dict]:
    who, svc = actor(request), services(request)
    ref, now = await svc.reference.current(), request.app[CLOCK]()
    days = request.app[SETTINGS].casework.due_soon_days
    return [case_detail(await svc.cases.view(i, who), ref, now, days) for i in _ids(request)]


@routes.get("/print/forms")
async def approval_forms(request: web.Request) -> web.Response:
    return render(request, "print_forms.html", title="办件审批表", cases=await _details(request))


@routes.get("/print/list")
async def print_list(request: web.Request) -> web.Response:
    return render(request, "print_list.html", title="办件列表", cases=await _details(request),
                  printed_at=request.app[CLOCK]().strftime("%Y-%m-%d %H:%M"))


@routes.post("/cases/{case_id}/attachments/{attachment_id}/delete")
async def delete_attachment(request: web.Request) -> web.StreamResponse:
    case_id = path_int(request, "case_id")
    await services(request).attachments.delete(path_int(request, "attachment_id"), actor(request))
    return redirect(f"/cases/{case_id}#attachments", "附件已删除")
