"""录音 pages: the supervisors' unmatched list (with quarantine and retention tabs), manual linking, and
the player panel that the case detail's 录音 tab, the 待派发 list and the call records load.

The panel comes in two forms: `/recordings/panel/...` is the bare fragment player.js inserts into
another page; `/recordings/case/...` and `/recordings/call/...` are the same players as a whole page,
for browsers without JavaScript and for links.
"""
from __future__ import annotations

from aiohttp import web

from casework.errors import AppError, Invalid
from recordings.model import Recording
from web.pages.forms import form_data
from web.render import redirect, render
from web.request import actor, path_int, recording_service

routes = web.RouteTableDef()
TABS = (("unmatched", "未匹配"), ("quarantine", "隔离区"), ("retention", "超期报告"))


async def _players(request: web.Request, kind: str, ident: int) -> list[Recording]:
    svc, who = recording_service(request), actor(request)
    return await (svc.for_case(ident, who) if kind == "case" else svc.for_call(ident, who))


def _kind(request: web.Request) -> str:
    kind = request.match_info["kind"]
    if kind not in ("case", "call"):
        raise web.HTTPNotFound()
    return kind


@routes.get(r"/recordings/panel/{kind}/{ident:\d+}")
async def panel(request: web.Request) -> web.Response:
    kind = _kind(request)
    found = await _players(request, kind, path_int(request, "ident"))
    return render(request, "recording_panel.html", recordings=found, kind=kind)


@routes.get(r"/recordings/{kind}/{ident:\d+}")
async def players_page(request: web.Request) -> web.Response:
    kind, ident = _kind(request), path_int(request, "ident")
    found = await _players(request, kind, ident)
    title = f"{'办件' if kind == 'case' else '来电'}录音"
    return render(request, "recording_page.html", title=title, recordings=found, kind=kind, ident=ident)


async def _list_page(request: web.Request, *, status: int = 200, errors: dict[str, str] | None = None,
                     form: dict[str, str] | None = None) -> web.Response:
    svc, who = recording_service(request), actor(request)
    tab = request.query.get("tab", "unmatched")
    tab = tab if tab in dict(TABS) else "unmatched"
    try:
        page = max(1, int(request.query.get("page", 1)))
    except ValueError:
        page = 1
    result = quarantine = report = None
    if tab == "unmatched":
        result = await svc.unmatched(who, page)
    elif tab == "quarantine":
        quarantine = await svc.quarantined(who, page)
    else:
        report = await svc.retention(who)
    return render(request, "recordings.html", status=status, title="待关联录音", tab=tab, tabs=TABS, result=result,
                  quarantine=quarantine, report=report, errors=errors or {}, form=form or {})


@routes.get("/recordings")
async def unmatched_page(request: web.Request) -> web.Response:
    return await _list_page(request)


@routes.post(r"/recordings/{recording_id:\d+}/link")
async def link_form(request: web.Request) -> web.StreamResponse:
    rec_id, data = path_int(request, "recording_id"), await form_data(request)
    raw_call = str(data.get("call_id", "")).strip()
    try:
        if raw_call and not raw_call.isdigit():
            raise Invalid(fields={"call_id": "来电编号应为数字"})
        await recording_service(request).link(rec_id, actor(request), call_id=int(raw_call) if raw_call else None,
                                              case_number=str(data.get("case_number", "")))
    except AppError as err:
        if err.status != 400:
            raise
        errors = {f"{rec_id}.{k}": v for k, v in err.fields.items()} or {f"{rec_id}.call_id": err.message}
        return await _list_page(request, status=400, errors=errors, form={f"{rec_id}.{k}": str(v)
                                                                         for k, v in data.items()})
    return redirect("/recordings", "录音已关联")
