"""No read keeps a cursor open across an await (casework/db/reads.py says why): a statement another
request ran meanwhile on the same shared reader would see the database as it was before."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("casework", "web", "agent_desk", "telephony", "recordings")
OPEN_CURSOR = re.compile(r"async with [^\n]*\.execute\(|await cur\.fetch(one|all|many)\(")


def test_no_cursor_is_left_open_across_an_await() -> None:
    found = [f"{path.relative_to(ROOT)}:{source[:m.start()].count(chr(10)) + 1}"
             for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
             for source in [path.read_text("utf-8")] for m in OPEN_CURSOR.finditer(source)]
    assert found == [], "read with casework.db.reads (fetch_all/fetch_one/fetch_value) instead"
