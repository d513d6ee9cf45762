"""Helpers for the statistics tests: a crafted month whose answers are known by hand, call records
written straight into the calls table, statistics tables read from the page and from the workbook.
"""
from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import aiohttp
from openpyxl import load_workbook

from tests.integration.helpers import act, dispatched, new_case, relogin
from tests.support import Api, Org
from web.keys import DATABASE

PERIOD = {"from": "2026-09-28", "to": "2026-10-12"}


@dataclass
class Table:
    """A statistics table as the page shows it: rows (with their key) of (text, link) cells."""
    key: str
    header: list[str] = field(default_factory=list)
    rows: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    cols: list[str] = field(default_factory=list)

    def value(self, row: str, col: str) -> str:
        return self.rows[row][self.cols.index(col) + 1][0]

    def link(self, row: str, col: str) -> str | None:
        return self.rows[row][self.cols.index(col) + 1][1]

    def counts(self, col: str) -> dict[str, int]:
        return {self.labels[r]: int(self.value(r, col)) for r in self.rows if r != "total"}


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, Table] = {}
        self.table: Table | None = None
        self.row: str | None = None
        self.cell: list[str] | None = None
        self.href: str | None = None
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("data-table"):
            self.table = self.tables.setdefault(str(a["data-table"]), Table(str(a["data-table"])))
        elif self.table is None:
            return
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr" and a.get("data-row") is not None:
            self.row = str(a["data-row"])
            self.table.rows[self.row] = []
        elif tag in ("td", "th"):
            self.cell, self.href = [], None
            if self.in_head and a.get("data-col"):
                self.table.cols.append(str(a["data-col"]))
        elif tag == "a" and self.cell is not None:
            self.href = html.unescape(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.table is None:
            return
        if tag == "table":
            self.table = None
        elif tag == "thead":
            self.in_head = False
        elif tag in ("td", "th") and self.cell is not None:
            text = "".join(self.cell).strip()
            if self.in_head:
                self.table.header.append(text)
            elif self.row is not None:
                self.table.rows[self.row].append((text, self.href))
                if len(self.table.rows[self.row]) == 1:
                    self.table.labels[self.row] = text
            self.cell = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def tables(text: str) -> dict[str, Table]:
    parser = _TableParser()
    parser.feed(text)
    return parser.tables


async def page(api: Api, path: str, **params: str) -> tuple[int, str]:
    async with api.session.get(api.base + path, params=params, allow_redirects=False) as resp:
        return resp.status, await resp.text()


async def workbook(api: Api, path: str, **params: str) -> dict[str, list[list[Any]]]:
    async with api.session.get(api.base + path, params=params) as resp:
        assert resp.status == 200, await resp.text()
        assert resp.content_type.endswith("spreadsheetml.sheet"), resp.content_type
        data = await resp.read()
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def same_as_page(table: Table, sheet: list[list[Any]]) -> None:
    """Every row of the page's table is in the sheet, cell for cell (rates without %, no data as —)."""
    body = sheet[1:]
    assert len(body) == len(table.rows), (table.key, len(body), len(table.rows))
    for (key, cells), line in zip(table.rows.items(), body):
        page_values = [_number(c[0].rstrip("%")) for c in cells]
        sheet_values = [_number("" if v is None else str(v)) for v in line]
        assert page_values == sheet_values, (table.key, key, page_values, sheet_values)


def _number(text: str) -> object:
    """'3', '3.0' and 3 are the same number; anything else stays text."""
    try:
        return round(float(text), 1)
    except ValueError:
        return text


async def listed(api: Api, href: str) -> int:
    """The total of the list page behind a link."""
    status, text = await page(api, href)
    assert status == 200, (href, text[:300])
    marker = 'id="list-total">'
    return int(text[text.index(marker) + len(marker):].split("<", 1)[0])


async def check_links(api: Api, table: Table, prefix: str) -> int:
    checked = 0
    for key, cells in table.rows.items():
        for text, href in cells[1:]:
            if href is not None:
                assert href.startswith(prefix), href
                assert await listed(api, href) == int(text), (table.key, key, text, href)
                checked += 1
    return checked


async def crafted(login, org: Org, clock) -> dict[str, Any]:
    """Seven cases over National Day 2026 (1-7 October are holidays): their classes on 12 October at noon
    are worked out by hand in test_insight_stats.py."""
    ct, sup = await login("ct"), await login("sup")
    clerk, handler, housing = await login("water_clerk"), await login("water_h1"), await login("housing_clerk")
    water, hous = org.departments["water"], org.departments["housing"]
    one = {"case_type": "consultation"}
    ids: dict[str, int] = {name: (await dispatched(ct, sup, depts, lead=lead, title=f"{name} 咨询", **one))["id"]
           for name, depts, lead in (("A", [water], None), ("B", [water], None), ("C", [hous], None),
                                     ("D", [water, hous], water), ("F", [water], None))}
    ids["E"] = (await new_case(ct, route="front_desk", answer="已答复", title="E 前台办结", **one))["id"]
    clock.advance(hours=1)  # 28 Sep 10:00
    for name in ("A", "F"):
        await act(clerk, ids[name], "sign", handler_id=org.users["water_h1"])
    await act(housing, ids["D"], "return", opinion="不属于本单位职责")
    await act(sup, ids["D"], "urge", opinion="请水务局抓紧办理")
    await act(housing, ids["C"], "request_extension", days=2, opinion="需要现场核查")
    await act(sup, ids["C"], "decide_extension", approve=True, opinion="同意")
    clock.advance(hours=23)  # 29 Sep 09:00: exactly 24 h after the dispatch
    await relogin(ct, sup, clerk, handler, housing)
    await act(clerk, ids["B"], "sign", handler_id=org.users["water_h1"])
    clock.advance(hours=25)  # 30 Sep 10:00: late
    await relogin(clerk)
    await act(clerk, ids["D"], "sign", handler_id=org.users["water_h1"])
    return await _after_holidays(ids, login, org, clock, (ct, sup, clerk, handler, housing))


async def _after_holidays(ids: dict[str, int], login, org: Org, clock, apis: tuple[Api, ...]) -> dict[str, Any]:
    ct, sup, _, handler, _ = apis
    clock.advance(days=7, hours=23)  # 8 Oct 09:00, after the holidays
    await relogin(ct, sup)
    ids["G"] = (await dispatched(ct, sup, [org.departments["traffic"]], title="G 咨询", case_type="consultation"))["id"]
    clock.advance(days=1, hours=1)  # 9 Oct 10:00
    await relogin(ct, sup, handler)
    await act(handler, ids["F"], "complete", opinion="已答复")
    await act(sup, ids["F"], "approve", opinion="同意")
    await act(ct, ids["F"], "callback", resolved=False, satisfaction="unsatisfied", reopen=True, opinion="不满意")
    clock.advance(days=1, hours=13, minutes=59, seconds=59)  # 10 Oct 23:59:59, A's deadline to the second
    await relogin(sup, handler)
    await act(handler, ids["A"], "complete", opinion="已答复")
    await act(sup, ids["A"], "approve", opinion="同意")
    clock.advance(days=1, hours=10, seconds=1)  # 12 Oct 10:00
    await relogin(ct, sup, handler)
    await act(handler, ids["B"], "complete", opinion="已答复")
    await act(sup, ids["B"], "approve", opinion="同意")
    await act(ct, ids["A"], "callback", resolved=True, satisfaction="satisfied")
    await act(ct, ids["B"], "callback", resolved=True, satisfaction="basic")
    clock.advance(hours=2)  # 12 Oct 12:00: the moment of the statistics
    await relogin(ct, sup)
    return {"ids": ids, "sup": sup, "ct": ct}


async def insert_calls(server, rows: list[dict[str, Any]]) -> None:
    """Call records as the telephony writes them (the calls table of migration 0002)."""
    db = server.app[DATABASE]
    async with db.transaction() as conn:
        for i, r in enumerate(rows):
            row = {"linked_id": f"test-{i}", "direction": "inbound", "purpose": "none", "queue": "12345",
                   "wait_seconds": 0, "talk_seconds": 0, "answered_at": None, "ended_at": None,
                   "agent_user_id": None, "case_id": None, "callback_of": None, "caller_number": "13800000000",
                   **r}
            cols = list(row)
            await conn.execute(f"INSERT INTO calls ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                               [row[c] for c in cols])


async def anonymous_status(base: str, path: str) -> int:
    async with aiohttp.ClientSession() as s:
        async with s.get(base + path, allow_redirects=False) as resp:
            return resp.status
