"""知识库 over HTTP."""
from __future__ import annotations

from aiohttp import web

from casework.cases.parse import Fields
from casework.knowledge.model import ArticleInput
from web.api import ApiRoutes, Param, schema_of
from web.request import actor, json_body, path_int, respond, services

routes = ApiRoutes("知识库")


def _article(data: dict) -> ArticleInput:
    f = Fields(data)
    article = ArticleInput(category_id=f.integer("category_id", required=True) or 0, title=f.text("title"),
                           body=f.text("body"), keywords=f.text("keywords"), department_id=f.integer("department_id"))
    f.done()
    return article


@routes.route("GET", "/knowledge/categories", "知识库类别")
async def list_categories(request: web.Request) -> web.Response:
    actor(request)
    return respond(await services(request).knowledge.categories())


@routes.route("POST", "/knowledge/categories", "新增类别", body={"type": "object", "properties": {
    "name": {"type": "string"}, "sort": {"type": "integer"}}})
async def add_category(request: web.Request) -> web.Response:
    f = Fields(await json_body(request))
    name, sort = f.text("name"), f.integer("sort") or 0
    f.done()
    return respond(await services(request).knowledge.add_category(actor(request), name, sort), status=201)


@routes.route("PUT", "/knowledge/categories/{category_id}", "修改类别（改名、排序）", body={
    "type": "object", "properties": {"name": {"type": "string"}, "sort": {"type": "integer"}}})
async def update_category(request: web.Request) -> web.Response:
    f = Fields(await json_body(request))
    name, sort = f.text("name"), f.integer("sort") or 0
    f.done()
    return respond(await services(request).knowledge.update_category(
        actor(request), path_int(request, "category_id"), name, sort))


@routes.route("DELETE", "/knowledge/categories/{category_id}", "删除类别（类别下没有知识时）")
async def remove_category(request: web.Request) -> web.Response:
    await services(request).knowledge.remove_category(actor(request), path_int(request, "category_id"))
    return respond({"ok": True})


@routes.route("GET", "/knowledge/articles", "检索知识库", query=(
    Param("q", {"type": "string"}, "标题、关键词、正文中的任意文字"), Param("category", {"type": "integer"}, "类别"),
    Param("page", {"type": "integer"}, "页码"), Param("per_page", {"type": "integer"}, "每页条数")))
async def search_articles(request: web.Request) -> web.Response:
    actor(request)
    f = Fields(request.query)
    q, category, page, per_page = f.text("q")[:100], f.integer("category"), f.integer("page"), f.integer("per_page")
    f.done()
    return respond(await services(request).knowledge.search(q, category, page or 1, per_page or 20))


@routes.route("POST", "/knowledge/articles", "新增知识", body=schema_of(ArticleInput))
async def add_article(request: web.Request) -> web.Response:
    data = _article(await json_body(request))
    return respond(await services(request).knowledge.add(actor(request), data), status=201)


@routes.route("GET", "/knowledge/articles/{article_id}", "查看知识")
async def get_article(request: web.Request) -> web.Response:
    actor(request)
    return respond(await services(request).knowledge.article(path_int(request, "article_id")))


@routes.route("PUT", "/knowledge/articles/{article_id}", "修改知识", body=schema_of(ArticleInput))
async def update_article(request: web.Request) -> web.Response:
    data = _article(await json_body(request))
    return respond(await services(request).knowledge.update(actor(request), path_int(request, "article_id"), data))


@routes.route("DELETE", "/knowledge/articles/{article_id}", "删除知识")
async def delete_article(request: web.Request) -> web.Response:
    await services(request).knowledge.remove(actor(request), path_int(request, "article_id"))
    return respond({"ok": True})
