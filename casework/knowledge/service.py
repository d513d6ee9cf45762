"""Keeping and searching the knowledge base."""
from __future__ import annotations

from typing import Any

from casework.clock import Clock
from casework.db.database import Database
from casework.db.timefmt import to_db
from casework.domain.model import Actor
from casework.errors import Forbidden, Invalid, NotFound
from casework.knowledge import storage
from casework.knowledge.model import ArticleInput, may_edit
from casework.domain.enums import Role
from casework.paging import clamp_page


class KnowledgeService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    def _stamp(self) -> str:
        return to_db(self.clock(), self.db.tz)  # type: ignore[return-value]

    async def categories(self) -> list[dict[str, Any]]:
        async with self.db.reader() as conn:
            return await storage.categories(conn)

    @staticmethod
    def _keeper(actor: Actor) -> None:
        if not actor.has(Role.SUPERVISOR, Role.ADMIN):
            raise Forbidden("只有监督指挥中心和管理员可以维护知识库类别")

    @staticmethod
    def _category_name(name: str) -> str:
        name = name.strip()
        if not name or len(name) > 50:
            raise Invalid(fields={"name": "请填写类别名称（不超过 50 字）"})
        return name

    async def add_category(self, actor: Actor, name: str, sort: int = 0) -> dict[str, Any]:
        self._keeper(actor)
        name = self._category_name(name)
        async with self.db.transaction() as conn:
            if any(c["name"] == name for c in await storage.categories(conn)):
                raise Invalid(fields={"name": "该类别已存在"})
            category_id = await storage.add_category(conn, name, sort)
        return {"id": category_id, "name": name, "sort": sort, "articles": 0}

    @staticmethod
    def _find(categories: list[dict[str, Any]], category_id: int) -> dict[str, Any]:
        for category in categories:
            if category["id"] == category_id:
                return category
        raise NotFound("类别不存在", code="category_not_found")

    async def update_category(self, actor: Actor, category_id: int, name: str, sort: int = 0) -> dict[str, Any]:
        """Renaming (改名) and re-ordering; the articles stay where they are."""
        self._keeper(actor)
        name = self._category_name(name)
        async with self.db.transaction() as conn:
            categories = await storage.categories(conn)
            category = self._find(categories, category_id)
            if await storage.name_taken(conn, name, category_id):
                raise Invalid(fields={"name": "该类别已存在"})
            await storage.update_category(conn, category_id, name, sort)
        return {**category, "name": name, "sort": sort}

    async def remove_category(self, actor: Actor, category_id: int) -> None:
        """Only an empty category goes; its deleted articles keep it, hidden."""
        self._keeper(actor)
        async with self.db.transaction() as conn:
            category = self._find(await storage.categories(conn), category_id)
            if category["articles"]:
                raise Invalid(fields={"category": f"该类别下还有 {category['articles']} 条知识，请先移到其他类别或删除"})
            await storage.remove_category(conn, category_id)

    async def search(self, q: str = "", category_id: int | None = None, page: int = 1,
                     per_page: int = 20) -> dict[str, Any]:
        async with self.db.reader() as conn:
            return await storage.search(conn, q, category_id, *clamp_page(page, per_page))

    async def article(self, article_id: int) -> dict[str, Any]:
        async with self.db.reader() as conn:
            found = await storage.get(conn, article_id)
        if found is None or not found["active"]:
            raise NotFound("知识库条目不存在", code="article_not_found")
        return found

    async def _check(self, conn, actor: Actor, data: ArticleInput) -> None:
        data.validate()
        if not await storage.category_exists(conn, data.category_id):
            raise Invalid(fields={"category_id": "未知类别"})
        if not may_edit(actor, data.department_id):
            raise Forbidden("您只能维护本单位的知识库条目")

    async def add(self, actor: Actor, data: ArticleInput) -> dict[str, Any]:
        async with self.db.transaction() as conn:
            await self._check(conn, actor, data)
            article_id = await storage.add(conn, data, actor.id, self._stamp())
            return await storage.get(conn, article_id)  # type: ignore[return-value]

    async def update(self, actor: Actor, article_id: int, data: ArticleInput) -> dict[str, Any]:
        async with self.db.transaction() as conn:
            old = await storage.get(conn, article_id)
            if old is None or not old["active"]:
                raise NotFound("知识库条目不存在", code="article_not_found")
            if not may_edit(actor, old["department_id"]):
                raise Forbidden("您只能维护本单位的知识库条目")
            await self._check(conn, actor, data)
            await storage.update(conn, article_id, old, data, self._stamp())
            return await storage.get(conn, article_id)  # type: ignore[return-value]

    async def remove(self, actor: Actor, article_id: int) -> None:
        async with self.db.transaction() as conn:
            old = await storage.get(conn, article_id)
            if old is None or not old["active"]:
                raise NotFound("知识库条目不存在", code="article_not_found")
            if not may_edit(actor, old["department_id"]):
                raise Forbidden("您只能维护本单位的知识库条目")
            await storage.deactivate(conn, article_id, self._stamp())
