"""考核: the department ranking for supervisors and leaders, and the weights page for the administrator."""
from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from casework.domain.enums import Role
from casework.errors import Invalid
from casework.insight.appraisal import METRICS
from casework.insight.periods import Period, parse_period
from web.pages.forms import form_data
from web.pages.insight_views import TEMPLATE_HELPERS, chart_json, form_of, insight, period_of, query_without, xlsx
from web.render import redirect, render
from web.request import actor

routes = web.RouteTableDef()


def presets(today: date) -> list[tuple[str, Period]]:
    quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return [("本月", Period(today.replace(day=1), today)), ("本季度", Period(quarter, today)),
            ("本年度", Period(date(today.year, 1, 1), today)), ("近一年", Period(today - timedelta(days=364), today))]


@routes.get("/appraisal")
async def appraisal(request: web.Request) -> web.Response:
    who, svc = actor(request, Role.SUPERVISOR, Role.LEADER), insight(request)
    period, errors = period_of(request, svc.this_month())
    result = await svc.appraisal(period, who) if period is not None else None
    return render(request, "appraisal.html", status=400 if errors else 200, title="考核", result=result,
                  presets=presets(svc.today()), metrics=METRICS, charts=chart_json(result.charts() if result else {}),
                  query=query_without(request, "page"), form=form_of(request, period), errors=errors,
                  **TEMPLATE_HELPERS)


@routes.get("/appraisal/export.xlsx")
async def appraisal_export(request: web.Request) -> web.Response:
    who, svc = actor(request, Role.SUPERVISOR, Role.LEADER), insight(request)
    period = parse_period(request.query, svc.this_month())  # bad input: 400 with the fields
    return xlsx(*await svc.appraisal_export(period, who))


@routes.get("/admin/appraisal")
async def weights(request: web.Request) -> web.Response:
    who = actor(request, Role.ADMIN)
    values = await insight(request).weights(who)
    return render(request, "admin_appraisal.html", title="考核权重", metrics=METRICS,
                  form={k: str(v) for k, v in values.items()})


@routes.post("/admin/appraisal")
async def save_weights(request: web.Request) -> web.StreamResponse:
    who, data = actor(request, Role.ADMIN), await form_data(request)
    try:
        await insight(request).save_weights(data, who)
    except Invalid as err:
        return render(request, "admin_appraisal.html", status=400, title="考核权重", metrics=METRICS, form=data,
                      errors=err.fields)
    return redirect("/admin/appraisal", "考核权重已保存")
