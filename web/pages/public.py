"""市民网上诉求: submit a request without logging in (web source, lands in 待初审), and follow it
with its case number and query code, seeing only the public part."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from casework.cases.parse import parse_intake
from casework.cases.present import public_detail
from casework.reference.places import DISTRICTS
from casework.domain.enums import CaseType, Source
from casework.domain.intake import Route
from casework.errors import AppError, NotFound
from web.pages.forms import form_data
from web.throttle import PUBLIC_GUARD, client_key
from web.render import render
from web.request import services

routes = web.RouteTableDef()

PUBLIC_FIELDS = ("title", "content", "case_type", "caller_name", "caller_phone", "address", "district")
NOT_FOUND = "办件编号或查询码不正确，请核对后重新输入"
PRIVATE = {"Cache-Control": "no-store"}


def _home(request: web.Request, *, status: int = 200, form: dict[str, Any] | None = None,
          errors: dict[str, str] | None = None) -> web.Response:
    return render(request, "public.html", status=status, title="市民网上诉求",
                  types=[(t.value, t.label) for t in CaseType], districts=[(d, d) for d in DISTRICTS],
                  form=form or {}, errors=errors or {})


def _private(response: web.Response) -> web.Response:
    """Pages showing a query code or a case's progress are not to be kept by browsers or proxies."""
    response.headers.update(PRIVATE)
    return response


@routes.get("/public")
async def public_home(request: web.Request) -> web.Response:
    return _home(request)


@routes.post("/public/submit")
async def public_submit(request: web.Request) -> web.Response:
    data = {k: v for k, v in (await form_data(request)).items() if k in PUBLIC_FIELDS}
    try:
        request.app[PUBLIC_GUARD].submit.hit(client_key(request), "提交过于频繁，请稍后再试")
        intake = parse_intake(data, source=Source.WEB, route=Route.REVIEW)
        case = await services(request).cases.register(intake, None)
    except AppError as err:
        return _home(request, status=err.status, form=data, errors={**err.fields, "_form": err.message})
    return _private(render(request, "public_receipt.html", title="提交成功", number=case.number,
                           code=case.query_code))


def _lookup_errors(number: str, code: str) -> dict[str, str]:
    errors = {}
    if not number:
        errors["number"] = "请填写办件编号"
    if not code:
        errors["code"] = "请填写查询码"
    return errors


@routes.get("/public/lookup")
async def public_lookup(request: web.Request) -> web.Response:
    number, code = request.query.get("number", "").strip()[:40], request.query.get("code", "").strip()[:20]
    form = {"number": number, "code": code}
    if not number and not code:
        return render(request, "public_lookup.html", title="办件查询", form=form, case=None)
    errors = _lookup_errors(number, code)
    if errors:
        return render(request, "public_lookup.html", status=400, title="办件查询", form=form, case=None,
                      errors={**errors, "_form": "请填写办件编号和查询码"})
    request.app[PUBLIC_GUARD].lookup.hit(client_key(request), "查询过于频繁，请稍后再试")
    try:
        view = await services(request).cases.public_view(number, code)
    except NotFound:
        return _private(render(request, "public_lookup.html", status=404, title="办件查询", form=form, case=None,
                               errors={"_form": NOT_FOUND}))
    return _private(render(request, "public_lookup.html", title="办件查询", form=form, case=public_detail(view)))
