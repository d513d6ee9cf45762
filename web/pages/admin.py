"""系统管理员的页面: 用户管理, 单位管理, 办结时限, 节假日调整 (knowledge categories live on /knowledge)."""
from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any, Awaitable, Callable

from aiohttp import web

from casework.accounts.model import User, check_new_user, parse_roles
from casework.cases.parse import Fields
from casework.reference.places import DISTRICTS
from casework.domain.enums import CaseType, Role, Urgency
from casework.errors import AppError, Invalid
from casework.reference.model import DEPARTMENT_KINDS, Department
from web.pages.forms import form_data
from web.render import redirect, render
from web.request import actor, path_int, services

routes = web.RouteTableDef()

USER_ID = r"/{user_id:\d+}"
DEPARTMENT_ID = r"/{department_id:\d+}"
WEEKDAYS = "一二三四五六日"
SECRET_FIELDS = ("password",)


# ---- parsing -------------------------------------------------------------------------------------------------

def _collect(f: Fields, check: Callable[..., Any], *args: Any) -> Any:
    """Run a validator, keeping its field errors with the ones already found."""
    try:
        return check(*args)
    except Invalid as err:
        f.errors = {**err.fields, **f.errors}
        return None


def _scope(f: Fields) -> frozenset[int] | None:
    """分管范围: the ticked departments, or None for 全市."""
    scope = frozenset(f.integers("leader_scope"))
    return None if f.boolean("scope_all") else scope


def _user_values(data: dict[str, Any]) -> tuple[Fields, dict[str, Any]]:
    f = Fields(data)
    values = dict(name=f.text("name"), department_id=f.integer("department_id"), leader_scope=_scope(f),
                  phone_ext=f.text("phone_ext")[:20], roles=_collect(f, parse_roles, data.get("roles", [])))
    return f, values


def _new_user(data: dict[str, Any]) -> dict[str, Any]:
    f, values = _user_values(data)
    values.update(username=f.text("username").strip(), password=f.text("password"))
    _collect(f, check_new_user, values["username"], values["name"], values["password"],
             values["roles"] or frozenset(), values["department_id"])
    f.done()
    return values


def _changed_user(data: dict[str, Any]) -> dict[str, Any]:
    f, values = _user_values(data)
    values["active"] = f.boolean("active")
    _collect(f, check_new_user, "placeholder", values["name"], "x" * 8, values["roles"] or frozenset(),
             values["department_id"])
    f.done()
    return values


def _department(data: dict[str, Any]) -> dict[str, Any]:
    f = Fields(data)
    values = dict(name=f.text("name").strip(), kind=f.text("kind", "department") or "department",
                  district=f.text("district")[:20], sort=f.integer("sort") or 0)
    f.done()
    return values


def _override(data: dict[str, Any]) -> tuple[date, bool, str]:
    f = Fields(data)
    day, is_workday, note = f.day("day"), f.boolean("is_workday"), f.text("note").strip()
    if day is None and "day" not in f.errors:
        f.errors["day"] = "请填写日期"
    f.done()
    return day, is_workday, note  # type: ignore[return-value]


def _errors(err: AppError) -> dict[str, str]:
    """A validation error's messages for the form; anything else goes to the error page."""
    if err.status != 400:
        raise err
    return {**err.fields, "_form": err.message}


def _kept(data: dict[str, Any]) -> dict[str, Any]:
    """What the user typed, to show again — except passwords."""
    return {k: v for k, v in data.items() if k not in SECRET_FIELDS}


Saved = tuple[str, str]  # where to go next, and the message to show there


async def _submit(request: web.Request, save: Callable[[dict[str, Any]], Awaitable[Saved]],
                  again: Callable[..., Awaitable[web.Response]]) -> web.StreamResponse:
    """Every admin form the same way: saved, on to the next page with a message; refused, the same page
    again with what was typed (no passwords) and the fields marked, nothing changed."""
    actor(request, Role.ADMIN)
    data = await form_data(request)
    try:
        to, message = await save(data)
    except AppError as err:
        return await again(status=err.status, form=_kept(data), errors=_errors(err))
    return redirect(to, message)


Page = Callable[..., Awaitable[web.Response]]


def _form_page(path: str, page: Page, save: Callable[[web.Request, dict[str, Any]], Awaitable[Saved]]) -> None:
    """A page with a form that adds to it (办结时限, 节假日调整, and the lists below)."""
    async def shown(request: web.Request) -> web.Response:
        actor(request, Role.ADMIN)
        return await page(request)

    async def submitted(request: web.Request) -> web.StreamResponse:
        return await _submit(request, partial(save, request), partial(page, request))
    routes.get(path)(shown)
    routes.post(path)(submitted)


def _resource(path: str, item: str, pages: tuple[Page, Page], load: Callable[[web.Request], Awaitable[Any]],
              add: Callable[[web.Request, dict[str, Any]], Awaitable[Saved]],
              update: Callable[[web.Request, Any, dict[str, Any]], Awaitable[Saved]]) -> None:
    """A list with its add form and an edit page per item (用户管理, 单位管理), all four routes one way."""
    list_page, item_page = pages
    _form_page(path, list_page, add)

    async def shown(request: web.Request) -> web.Response:
        actor(request, Role.ADMIN)
        return await item_page(request, await load(request))

    async def updated(request: web.Request) -> web.StreamResponse:
        actor(request, Role.ADMIN)
        found = await load(request)
        return await _submit(request, partial(update, request, found), partial(item_page, request, found))
    routes.get(path + item)(shown)
    routes.post(path + item)(updated)


# ---- 用户管理 ------------------------------------------------------------------------------------------------

def _user_form(user: User) -> dict[str, Any]:
    return {"name": user.name, "roles": [r.value for r in user.roles], "department_id": user.department_id or "",
            "leader_scope": [str(d) for d in user.leader_scope or ()], "scope_all": "1" if user.leader_scope is None
            else "", "active": "1" if user.active else "", "phone_ext": user.phone_ext}


async def _org(request: web.Request) -> dict[str, Any]:
    """What every user form offers: roles, departments (and their names)."""
    departments = await services(request).reference.departments(include_inactive=True)
    names = {d.id: d.name if d.active else f"{d.name}（已停用）" for d in departments}
    return {"roles": [(r.value, r.label) for r in Role], "dept_options": list(names.items()),
            "scope_departments": [(d.id, names[d.id]) for d in departments if d.kind != "centre"],
            "dept_names": names}


async def _users_page(request: web.Request, *, status: int = 200, form: dict[str, Any] | None = None,
                      errors: dict[str, str] | None = None) -> web.Response:
    users = sorted(await services(request).accounts.users(), key=lambda u: u.id)
    return render(request, "admin_users.html", status=status, title="用户管理", users=users, **await _org(request),
                  form=form if form is not None else {}, errors=errors or {})


async def _user_page(request: web.Request, user: User, *, status: int = 200, form: dict[str, Any] | None = None,
                     errors: dict[str, str] | None = None) -> web.Response:
    return render(request, "admin_user.html", status=status, title=f"修改用户 {user.username}", account=user,
                  **await _org(request), form=form if form is not None else _user_form(user), errors=errors or {})


async def _add_user(request: web.Request, data: dict[str, Any]) -> Saved:
    user = await services(request).accounts.add_user(**_new_user(data))
    return "/admin/users", f"已新增用户 {user.username}（{user.name}）"


async def _update_user(request: web.Request, found: User, data: dict[str, Any]) -> Saved:
    changed = await services(request).accounts.update_user(found.id, **_changed_user(data))
    return "/admin/users", f"已保存用户 {changed.username} 的修改"


async def _found_user(request: web.Request) -> User:
    return await services(request).accounts.user(path_int(request, "user_id"))


_resource("/admin/users", USER_ID, (_users_page, _user_page), _found_user, _add_user, _update_user)


@routes.post("/admin/users" + USER_ID + "/password")
async def reset_password(request: web.Request) -> web.StreamResponse:
    actor(request, Role.ADMIN)
    found = await _found_user(request)

    async def save(data: dict[str, Any]) -> Saved:
        await services(request).accounts.set_password(found.id, str(data.get("password", "")))
        return f"/admin/users/{found.id}", f"已重设用户 {found.username} 的密码，其登录已全部失效"
    return await _submit(request, save, lambda form, **page: _user_page(request, found, **page))


# ---- 单位管理 ------------------------------------------------------------------------------------------------

def _dept_choices() -> dict[str, Any]:
    return {"kinds": list(DEPARTMENT_KINDS.items()), "districts": [(d, d) for d in DISTRICTS]}


def _dept_form(dept: Department) -> dict[str, Any]:
    return {"name": dept.name, "kind": dept.kind, "district": dept.district, "sort": dept.sort,
            "active": "1" if dept.active else ""}


async def _departments_page(request: web.Request, *, status: int = 200, form: dict[str, Any] | None = None,
                            errors: dict[str, str] | None = None) -> web.Response:
    departments = await services(request).reference.departments(include_inactive=True)
    return render(request, "admin_departments.html", status=status, title="单位管理", departments=departments,
                  kind_labels=DEPARTMENT_KINDS, **_dept_choices(), form=form or {"kind": "department"},
                  errors=errors or {})


async def _department_page(request: web.Request, dept: Department, *, status: int = 200,
                           form: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> web.Response:
    return render(request, "admin_department.html", status=status, title=f"修改单位 {dept.name}", dept=dept,
                  **_dept_choices(), form=form if form is not None else _dept_form(dept), errors=errors or {})


async def _found_department(request: web.Request) -> Department:
    ref = await services(request).reference.current()
    dept = ref.departments.get(path_int(request, "department_id"))
    if dept is None:
        raise web.HTTPNotFound()
    return dept


async def _add_department(request: web.Request, data: dict[str, Any]) -> Saved:
    dept = await services(request).reference.add_department(**_department(data))
    return "/admin/departments", f"已新增单位“{dept.name}”"


async def _update_department(request: web.Request, found: Department, data: dict[str, Any]) -> Saved:
    changes = {**_department(data), "active": data.get("active") == "1"}
    dept = await services(request).reference.update_department(found.id, **changes)
    return "/admin/departments", f"已保存单位“{dept.name}”的修改"


_resource("/admin/departments", DEPARTMENT_ID, (_departments_page, _department_page), _found_department,
          _add_department, _update_department)


# ---- 办结时限 ------------------------------------------------------------------------------------------------

async def _rules_page(request: web.Request, *, status: int = 200, form: dict[str, Any] | None = None,
                      errors: dict[str, str] | None = None) -> web.Response:
    rules = await services(request).reference.rules()
    days = {(r["case_type"], r["urgency"]): r["days"] for r in rules}
    return render(request, "admin_rules.html", status=status, title="办结时限", days=days,
                  types=[(t.value, t.label) for t in CaseType], urgencies=[(u.value, u.label) for u in Urgency],
                  form=form or {}, errors=errors or {})


async def _set_rule(request: web.Request, data: dict[str, Any]) -> Saved:
    f = Fields(data)
    case_type, urgency = f.choice("case_type", CaseType, required=True), f.choice("urgency", Urgency, required=True)
    days = f.integer("days", required=True)
    f.done()
    await services(request).reference.set_rule(case_type, urgency, days or 0)
    return "/admin/rules", f"已将{case_type.label}（{urgency.label}）的办结时限设为 {days} 个工作日"


_form_page("/admin/rules", _rules_page, _set_rule)


# ---- 节假日调整 ----------------------------------------------------------------------------------------------

def _with_weekday(override: dict[str, Any]) -> dict[str, Any]:
    day = date.fromisoformat(str(override["day"]))
    return {**override, "weekday": "星期" + WEEKDAYS[day.weekday()]}


async def _calendar_page(request: web.Request, *, status: int = 200, form: dict[str, Any] | None = None,
                         errors: dict[str, str] | None = None) -> web.Response:
    overrides = [_with_weekday(o) for o in await services(request).reference.overrides()]
    return render(request, "admin_calendar.html", status=status, title="节假日调整", overrides=overrides,
                  kinds=[("0", "休息日"), ("1", "工作日")], form=form or {"is_workday": "0"}, errors=errors or {})


async def _set_override(request: web.Request, data: dict[str, Any]) -> Saved:
    day, is_workday, note = _override(data)
    await services(request).reference.set_override(day, is_workday, note)
    return "/admin/calendar", f"已将 {day.isoformat()} 设为{'工作日' if is_workday else '休息日'}"


_form_page("/admin/calendar", _calendar_page, _set_override)


@routes.post(r"/admin/calendar/{day:\d{4}-\d{2}-\d{2}}/delete")
async def delete_override(request: web.Request) -> web.StreamResponse:
    actor(request, Role.ADMIN)
    day = _override({"day": request.match_info["day"]})[0]
    await services(request).reference.delete_override(day)
    return redirect("/admin/calendar", f"已删除 {day.isoformat()} 的调整")
