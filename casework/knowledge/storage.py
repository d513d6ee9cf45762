"""Knowledge-base tables, with the same bigram full-text index as cases."""
from __future__ import annotations

from typing import Any

import aiosqlite

from casework.db.reads import fetch_all, fetch_one, fetch_value
from casework.knowledge.model import ArticleInput
from casework.search.text import index_text, match_query

ARTICLE_FIELDS = ("a.id, a.category_id, k.name AS category, a.title, a.body, a.keywords, a.department_id, "
                  "a.created_by, a.created_at, a.updated_at, a.active")


async def categories(conn: aiosqlite.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await fetch_all(
        conn, "SELECT k.id, k.name, k.sort, (SELECT COUNT(*) FROM kb_articles a WHERE a.category_id = k.id "
        "AND a.active = 1) AS articles FROM kb_categories k WHERE k.active = 1 ORDER BY k.sort, k.id")]


async def category_exists(conn: aiosqlite.Connection, category_id: int) -> bool:
    return await fetch_one(conn, "SELECT 1 FROM kb_categories WHERE id = ? AND active = 1", (category_id,)) is not None


async def add_category(conn: aiosqlite.Connection, name: str, sort: int) -> int:
    """A removed category of that name comes back (names stay unique among removed ones too)."""
    hidden = await fetch_one(conn, "SELECT id FROM kb_categories WHERE name = ? AND active = 0", (name,))
    if hidden is not None:
        await conn.execute("UPDATE kb_categories SET active = 1, sort = ? WHERE id = ?", (sort, hidden["id"]))
        return int(hidden["id"])
    cur = await conn.execute("INSERT INTO kb_categories (name, sort) VALUES (?, ?)", (name, sort))
    return int(cur.lastrowid)


async def name_taken(conn: aiosqlite.Connection, name: str, category_id: int) -> bool:
    """By another category, shown or removed."""
    return await fetch_one(conn, "SELECT 1 FROM kb_categories WHERE name = ? AND id != ?",
                           (name, category_id)) is not None


async def update_category(conn: aiosqlite.Connection, category_id: int, name: str, sort: int) -> None:
    await conn.execute("UPDATE kb_categories SET name = ?, sort = ? WHERE id = ?", (name, sort, category_id))


async def remove_category(conn: aiosqlite.Connection, category_id: int) -> None:
    await conn.execute("UPDATE kb_categories SET active = 0 WHERE id = ?", (category_id,))


async def get(conn: aiosqlite.Connection, article_id: int) -> dict[str, Any] | None:
    row = await fetch_one(conn, f"SELECT {ARTICLE_FIELDS} FROM kb_articles a JOIN kb_categories k "
                          "ON k.id = a.category_id WHERE a.id = ?", (article_id,))
    return dict(row) if row else None


async def add(conn: aiosqlite.Connection, data: ArticleInput, user_id: int, at: str) -> int:
    cur = await conn.execute(
        "INSERT INTO kb_articles (category_id, title, body, keywords, department_id, created_by, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (data.category_id, data.title.strip(), data.body.strip(), data.keywords.strip(), data.department_id,
         user_id, at, at))
    article_id = int(cur.lastrowid)
    await conn.execute("INSERT INTO kb_fts (rowid, body) VALUES (?, ?)",
                       (article_id, index_text(data.title, data.keywords, data.body)))
    return article_id


async def update(conn: aiosqlite.Connection, article_id: int, old: dict[str, Any], data: ArticleInput,
                 at: str) -> None:
    await conn.execute("INSERT INTO kb_fts (kb_fts, rowid, body) VALUES ('delete', ?, ?)",
                       (article_id, index_text(old["title"], old["keywords"], old["body"])))
    await conn.execute(
        "UPDATE kb_articles SET category_id = ?, title = ?, body = ?, keywords = ?, department_id = ?, "
        "updated_at = ? WHERE id = ?",
        (data.category_id, data.title.strip(), data.body.strip(), data.keywords.strip(), data.department_id,
         at, article_id))
    await conn.execute("INSERT INTO kb_fts (rowid, body) VALUES (?, ?)",
                       (article_id, index_text(data.title, data.keywords, data.body)))


async def deactivate(conn: aiosqlite.Connection, article_id: int, at: str) -> None:
    await conn.execute("UPDATE kb_articles SET active = 0, updated_at = ? WHERE id = ?", (at, article_id))


async def search(conn: aiosqlite.Connection, q: str, category_id: int | None, page: int,
                 per_page: int) -> dict[str, Any]:
    clauses, params = ["a.active = 1"], []
    match = match_query(q) if q else None
    if match:
        clauses.append("a.id IN (SELECT rowid FROM kb_fts WHERE kb_fts MATCH ?)")
        params.append(match)
    if category_id is not None:
        clauses.append("a.category_id = ?")
        params.append(category_id)
    where = " AND ".join(clauses)
    items = [dict(r) for r in await fetch_all(
        conn, f"SELECT {ARTICLE_FIELDS} FROM kb_articles a JOIN kb_categories k ON k.id = a.category_id "
        f"WHERE {where} ORDER BY a.updated_at DESC, a.id DESC LIMIT ? OFFSET ?",
        [*params, per_page, (page - 1) * per_page])]
    total = await fetch_value(conn, f"SELECT COUNT(*) FROM kb_articles a WHERE {where}", params)
    return {"items": items, "page": page, "per_page": per_page, "total": total}
