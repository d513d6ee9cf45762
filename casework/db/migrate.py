"""Versioned schema migrations: numbered files applied once each, in order, atomically.

A migration is a .sql script, or a .py module whose `SCRIPT` is one (for a schema that would
otherwise repeat itself, e.g. two tables with the same columns).
"""
from __future__ import annotations

import importlib.util
import re
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType

import aiosqlite

from casework.db.reads import fetch_value

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
NAME_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.(sql|py)$")


def available(folder: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := NAME_RE.match(p.name))]
    return sorted(found)


def load_migration(path: Path) -> ModuleType:
    """A .py migration as a module (a later migration may reuse an earlier one's tables)."""
    spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def script_of(path: Path) -> str:
    return path.read_text("utf-8") if path.suffix == ".sql" else str(load_migration(path).SCRIPT)


async def current_version(conn: aiosqlite.Connection) -> int:
    await conn.execute("CREATE TABLE IF NOT EXISTS schema_version "
                       "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    return int(await fetch_value(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_version"))


async def applied_versions(conn: aiosqlite.Connection) -> set[int]:
    await current_version(conn)
    return {int(r[0]) for r in await conn.execute_fetchall("SELECT version FROM schema_version")}


async def migrate(conn: aiosqlite.Connection, folder: Path = MIGRATIONS_DIR) -> int:
    """Apply every migration not yet applied, in order: also one numbered below the newest applied
    (branches landing in a different order must not leave a database without a migration)."""
    done = await applied_versions(conn)
    version = max(done, default=0)
    for number, path in available(folder):
        if number in done:
            continue
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        script = (f"BEGIN IMMEDIATE;\n{script_of(path)}\n"
                  f"INSERT INTO schema_version(version, applied_at) VALUES ({number}, '{stamp}');\nCOMMIT;")
        try:
            await conn.executescript(script)
        except Exception:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        version = max(version, number)
    return version
