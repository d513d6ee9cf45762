"""New cases reach the full-text index in batches (casework/search/indexer.py): 办件查询 and its export
find a case the moment it is registered, before and after it is indexed, and count it once."""
from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from casework.db.database import Database
from casework.search.indexer import SearchIndexer, index_batch
from casework.search.text import contains, index_text, match_query, query_runs
from tests.conftest import make_settings
from tests.integration.helpers import new_case
from tests.integration.insight_helpers import workbook
from web.keys import DATABASE


@pytest.fixture
def settings(tmp_path: Path):
    """The indexer makes its pass at start-up and then waits an hour: the test says when it runs."""
    s = make_settings(tmp_path / "data")
    return replace(s, casework=replace(s.casework, search_index_seconds=3600))


async def _upto(db: Database) -> int:
    async with db.reader() as conn:
        async with conn.execute("SELECT upto FROM search_progress") as cur:
            return int((await cur.fetchone())[0])


async def _found(api, q: str, **params) -> tuple[set[int], int]:
    body = await api.ok("GET", "/cases", params={"q": q, "per_page": 100, **params})
    return {item["id"] for item in body["items"]}, body["total"]


async def test_a_case_is_found_before_and_after_it_is_indexed(server, login) -> None:
    db = server.app[DATABASE]
    ct, sup = await login("ct"), await login("sup")
    first = await new_case(ct, title="金盘路停水", content="整栋楼停水半天")
    second = await new_case(ct, title="路灯不亮", content="金盘路口停水后路灯也坏了")
    await new_case(ct, title="噪音扰民", content="夜间施工")
    assert await _upto(db) < first["id"]  # all three wait in the backlog
    assert (await sup.ok("GET", str(server.make_url("/healthz"))))["search"] == {"waiting": 3}
    assert await _found(sup, "停水") == ({first["id"], second["id"]}, 2)
    assert await _found(sup, "停水", states="pending_dispatch") == ({first["id"], second["id"]}, 2)
    assert await _found(sup, "水半") == ({first["id"]}, 1)
    assert await _found(sup, "停水 噪音") == (set(), 0)

    assert await SearchIndexer(db).catch_up() == 3
    assert await _upto(db) == first["id"] + 2
    third = await new_case(ct, title="又停水了", content="楼下")  # one in the index's company, one in the backlog
    assert await _found(sup, "停水") == ({first["id"], second["id"], third["id"]}, 3)
    assert await _found(sup, "停水", states="pending_dispatch") == ({first["id"], second["id"], third["id"]}, 3)
    book = await workbook(sup, "/export/cases.xlsx", q="停水")
    assert sorted(r[1] for r in book["办件列表"][1:]) == ["又停水了", "路灯不亮", "金盘路停水"]
    assert await SearchIndexer(db).catch_up() == 1
    assert await SearchIndexer(db).catch_up() == 0
    assert (await sup.ok("GET", str(server.make_url("/healthz"))))["search"] == {"waiting": 0}
    assert await _found(sup, "停水") == ({first["id"], second["id"], third["id"]}, 3)


async def test_the_backlog_is_indexed_in_batches_and_its_mark_kept(server, login) -> None:
    db = server.app[DATABASE]
    ct = await login("ct")
    ids = [(await new_case(ct, title=f"第{i}号井盖缺失"))["id"] for i in range(5)]
    assert await db.write(index_batch, 2) == 2
    assert await _upto(db) == ids[1]
    assert await db.write(index_batch, 2) == 2
    assert await db.write(index_batch, 2) == 1
    assert await db.write(index_batch, 2) == 0
    assert await _upto(db) == ids[-1]
    async with db.reader() as conn:
        async with conn.execute("SELECT rowid FROM case_fts WHERE case_fts MATCH ? ORDER BY rowid",
                                (match_query("井盖"),)) as cur:
            assert [r[0] for r in await cur.fetchall()] == ids  # each exactly once


WORDS = ("停水", "海口市", "龙华区", "金龙路", "噪音", "路灯", "WiFi", "ABC-123", "１２３", "椰子树", "共享单车",
         "水务", "夜间施工", "Ⅻ", "ＬＥＤ", "led灯", "3号楼", "乱停乱放", "广场舞", "扰民")


def _text(rng: random.Random) -> str:
    return rng.choice(("", " ", "，", "、")).join(rng.choice(WORDS) for _ in range(rng.randrange(1, 6)))


async def test_the_backlog_rule_finds_exactly_what_the_index_finds(tmp_path: Path) -> None:
    """`contains` stands in for the index while a case waits: for any query, the same documents."""
    rng = random.Random(7)
    docs = {i: (_text(rng), _text(rng), _text(rng)) for i in range(1, 301)}
    queries = {*WORDS, "水", "路", "l", "1", "停水 噪音", "龙华区金龙路", "水务局", "wifi abc", "c-1", "树",
               "扰民，广场舞", "夜间 施工", "间施"}
    for parts in list(docs.values())[:40]:
        joined = "".join(parts)
        start = rng.randrange(max(1, len(joined) - 1))
        queries.add(joined[start:start + rng.randrange(1, 6)])
    db = await Database(tmp_path / "fts.sqlite3").open()
    try:
        await db.write(lambda conn: conn.executemany("INSERT INTO case_fts(rowid, body) VALUES (?, ?)",
                                                     [(i, index_text(*p)) for i, p in docs.items()]))
        checked = 0
        async with db.reader() as conn:
            for q in sorted(queries):
                match = match_query(q)
                if match is None:
                    continue
                async with conn.execute("SELECT rowid FROM case_fts WHERE case_fts MATCH ?", (match,)) as cur:
                    indexed = {r[0] for r in await cur.fetchall()}
                runs = query_runs(q)
                assert {i for i, p in docs.items() if contains(runs, *p)} == indexed, q
                checked += bool(indexed)
        assert checked > 20  # most queries find something: the comparison is not between empty sets
    finally:
        await db.close()
