"""The per-day case counts: one list in migration 0004, the same columns in both tables, the same
measures in the code that fills them."""
from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

from casework.db.migrate import MIGRATIONS_DIR, available, script_of
from casework.insight.rollup import CASE_COLUMNS


def _migration_0004():
    path = next(p for n, p in available() if n == 4)
    spec = importlib.util.spec_from_file_location("m0004", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return path, module


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def test_both_rollup_tables_have_the_counts_the_code_writes(tmp_path: Path) -> None:
    path, module = _migration_0004()
    conn = sqlite3.connect(tmp_path / "t.db")
    for _, earlier in available(MIGRATIONS_DIR)[:4]:
        conn.executescript(script_of(earlier))
    assert _columns(conn, "insight_case_days") == ["day", "dim", "key", *module.CASE_COUNTS]
    assert _columns(conn, "insight_scope_days") == ["department_id", "day", "dim", "key", *module.CASE_COUNTS]
    assert tuple(module.CASE_COUNTS) == CASE_COLUMNS
    assert path.suffix == ".py" and script_of(path).count("total INTEGER NOT NULL DEFAULT 0") == 2
