"""知识库 (manual 2.7): categories, search, the article page, and for those who keep it 新增/修改/删除 and 新增类别."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from casework.cases.parse import Fields
from casework.domain.enums import Role
from casework.domain.model import Actor
from casework.errors import AppError, Forbidden, Invalid
from casework.knowledge.model import ArticleInput, may_edit
from web.pages.forms import form_data, query_without_page
from web.render import redirect, render
from web.request import actor, path_int, services

routes = web.RouteTableDef()

PER_PAGE = 20
ARTICLE = r"/knowledge/articles/{article_id:\d+}"
KEEPERS = (Role.SUPERVISOR, Role.ADMIN, Role.CLERK, Role.HANDLER)
CENTRE = (Role.SUPERVISOR, Role.ADMIN)


def _parse_article(data: dict[str, Any]) -> ArticleInput:
    """The posted article, with every field's error at once."""
    f = Fields(data)
    article = ArticleInput(category_id=f.integer("category_id", required=True) or 0, title=f.text("title"),
                           body=f.text("body"), keywords=f.text("keywords"), department_id=f.integer("department_id"))
    if "category_id" in f.errors:
        f.errors["category_id"] = "请选择类别"
    try:
        article.validate()
    except Invalid as err:
        f.errors = {**err.fields, **f.errors}
    f.done()
    return article


def _article_form(article: dict[str, Any]) -> dict[str, Any]:
    """An article as the edit form's values."""
    dept = article["department_id"]
    return {"category_id": article["category_id"], "title": article["title"], "body": article["body"],
            "keywords": article["keywords"], "department_id": "" if dept is None else dept}


async def _dept_names(request: web.Request) -> dict[int, str]:
    ref = await services(request).reference.current()
    return {d.id: d.name for d in ref.departments.values()}


async def _index(request: web.Request, *, status: int = 200, form: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None) -> web.Response:
    who, kb = actor(request), services(request).knowledge
    f = Fields(request.query)
    q, category, page = f.text("q")[:100], f.integer("category"), f.integer("page") or 1
    result = await kb.search(q, category, page, PER_PAGE)
    categories = await kb.categories()
    current = next((c for c in categories if c["id"] == category), None)
    return render(request, "knowledge.html", status=400 if f.errors else status, title="知识库",
                  categories=categories, current=current, q=q, result={**result, "total_capped": False},
                  base_query=query_without_page(request), dept_names=await _dept_names(request),
                  can_add=who.has(*KEEPERS), keeps_categories=who.has(*CENTRE),
                  form=form or {}, errors={**f.errors, **(errors or {})})


async def _article_page(request: web.Request, *, status: int = 200, form: dict[str, Any] | None = None,
                        errors: dict[str, str] | None = None, article: dict[str, Any] | None = None) -> web.Response:
    """The 新增/修改 form: the article being edited, or a new one."""
    who, svc = actor(request), services(request)
    departments = [d for d in await svc.reference.departments() if d.kind != "centre"]
    if not who.has(*CENTRE):
        departments = [d for d in departments if d.id == who.department_id]
    if form is None:
        form = _article_form(article) if article else {"department_id": "" if who.has(*CENTRE) else who.department_id}
    return render(request, "knowledge_form.html", status=status, title="修改知识" if article else "新增知识",
                  article=article, categories=[(c["id"], c["name"]) for c in await svc.knowledge.categories()],
                  departments=[(d.id, d.name) for d in departments], centre=who.has(*CENTRE),
                  form=form, errors=errors or {})


async def _editable(request: web.Request) -> tuple[Actor, dict[str, Any]]:
    """The article in the URL, if the current user may keep it (403 otherwise)."""
    who = actor(request, *KEEPERS)
    article = await services(request).knowledge.article(path_int(request, "article_id"))
    if not may_edit(who, article["department_id"]):
        raise Forbidden("您只能维护本单位的知识库条目")
    return who, article


def _form_errors(err: AppError) -> dict[str, str]:
    if err.status != 400:
        raise err
    return {**err.fields, "_form": err.message}


@routes.get("/knowledge")
async def index(request: web.Request) -> web.Response:
    return await _index(request)


@routes.post("/knowledge/categories")
async def add_category(request: web.Request) -> web.StreamResponse:
    who, data = actor(request, *CENTRE), await form_data(request)
    f = Fields(data)
    name, sort = f.text("name")[:100], f.integer("sort") or 0
    try:
        f.done()
        category = await services(request).knowledge.add_category(who, name, sort)
    except AppError as err:
        return await _index(request, status=err.status, form=data, errors=_form_errors(err))
    return redirect(f"/knowledge?category={category['id']}", f"已新增类别“{category['name']}”")


@routes.post("/knowledge/categories/{category_id}")
async def update_category(request: web.Request) -> web.StreamResponse:
    """修改类别 (fields category_name, category_sort: the page also holds the 新增类别 form)."""
    who, data = actor(request, *CENTRE), await form_data(request)
    f = Fields(data)
    name, sort = f.text("category_name")[:100], f.integer("category_sort") or 0
    category_id = path_int(request, "category_id")
    try:
        f.done()
        await services(request).knowledge.update_category(who, category_id, name, sort)
    except AppError as err:
        errors = _form_errors(err)
        if "name" in errors:
            errors["category_name"] = errors.pop("name")
        return await _index(request, status=err.status, form=data, errors=errors)
    return redirect(f"/knowledge?category={category_id}", f"已修改类别“{name.strip()}”")


@routes.post("/knowledge/categories/{category_id}/delete")
async def remove_category(request: web.Request) -> web.StreamResponse:
    who = actor(request, *CENTRE)
    await form_data(request)
    try:
        await services(request).knowledge.remove_category(who, path_int(request, "category_id"))
    except AppError as err:
        errors = _form_errors(err)
        return await _index(request, status=err.status, errors={"_form": errors.get("category", errors["_form"])})
    return redirect("/knowledge", "已删除类别")


@routes.get(ARTICLE)
async def show(request: web.Request) -> web.Response:
    who = actor(request)
    article = await services(request).knowledge.article(path_int(request, "article_id"))
    names = await _dept_names(request)
    return render(request, "knowledge_article.html", title=article["title"], article=article,
                  department=names.get(article["department_id"], "监督指挥中心（公共）"),
                  editable=may_edit(who, article["department_id"]))


@routes.get("/knowledge/articles/new")
async def new_article(request: web.Request) -> web.Response:
    actor(request, *KEEPERS)
    return await _article_page(request)


@routes.post("/knowledge/articles/new")
async def create_article(request: web.Request) -> web.StreamResponse:
    who, data = actor(request, *KEEPERS), await form_data(request)
    try:
        article = await services(request).knowledge.add(who, _parse_article(data))
    except AppError as err:
        return await _article_page(request, status=err.status, form=data, errors=_form_errors(err))
    return redirect(f"/knowledge/articles/{article['id']}", "已新增知识")


@routes.get(ARTICLE + "/edit")
async def edit_article(request: web.Request) -> web.Response:
    _, article = await _editable(request)
    return await _article_page(request, article=article)


@routes.post(ARTICLE + "/edit")
async def update_article(request: web.Request) -> web.StreamResponse:
    who, article = await _editable(request)
    data = await form_data(request)
    try:
        await services(request).knowledge.update(who, article["id"], _parse_article(data))
    except AppError as err:
        return await _article_page(request, status=err.status, form=data, errors=_form_errors(err), article=article)
    return redirect(f"/knowledge/articles/{article['id']}", "已保存修改")


@routes.post(ARTICLE + "/delete")
async def delete_article(request: web.Request) -> web.StreamResponse:
    who, article = await _editable(request)
    await services(request).knowledge.remove(who, article["id"])
    return redirect(f"/knowledge?category={article['category_id']}", f"已删除“{article['title']}”")
