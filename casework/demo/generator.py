"""`hotline demo`: departments, users of every role, knowledge base and a year of cases for Haikou."""
from __future__ import annotations

import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from casework.accounts.model import User
from casework.accounts.service import AccountService
from casework.cases.service import CaseService
from casework.clock import ManualClock
from casework.db.database import Database
from casework.db.reads import fetch_all, fetch_value
from casework.demo.data import DEMO_PASSWORD, DEPARTMENTS, KNOWLEDGE
from casework.demo.story import Cast, Storyteller
from casework.domain.enums import Role, State
from casework.domain.model import Actor
from casework.knowledge.model import ArticleInput
from casework.knowledge.service import KnowledgeService
from casework.reference.service import ReferenceService
from casework.search.indexer import SearchIndexer
from config.settings import Settings


def progress(done: int, total: int, started: float, label: str = "生成办件") -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.perf_counter() - started, 1e-6)
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {rate:.0f} 件/秒")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


async def _people(accounts: AccountService, depts: dict[str, int]) -> Cast:
    async def add(username: str, name: str, roles: set[Role], dept: int | None,
                  scope: frozenset[int] | None = frozenset(), phone_ext: str = "") -> User:
        user = await accounts.add_user(username=username, name=name, password=DEMO_PASSWORD, roles=frozenset(roles),
                                       department_id=dept, leader_scope=scope, phone_ext=phone_ext)
        return user

    await add("admin", "系统管理员", {Role.ADMIN}, None)
    centre = depts["centre"]
    # Desk phones match the PBX simulator: agents PJSIP/8001… take queue calls, 8101… are supervisors' phones.
    sups = [await add(f"jiandu{i}", n, {Role.SUPERVISOR}, centre, phone_ext=f"810{i}")
            for i, n in ((1, "陈监督"), (2, "林督办"))]
    cts = [await add(f"huawu{i}", n, {Role.CALL_TAKER}, centre, phone_ext=f"800{i}")
           for i, n in ((1, "王小梅"), (2, "符丽"), (3, "吴海燕"))]
    await add("shizhang", "刘副市长", {Role.LEADER}, None, None)
    clerks, handlers = {}, {}
    for key, (name, kind, code) in DEPARTMENTS.items():
        if kind == "centre":
            continue
        short = name.replace("海口市", "").replace("人民政府", "")
        dept = depts[key]
        clerks[dept] = await add(f"{code}_qs", f"{short}签收员", {Role.CLERK}, dept)
        handlers[dept] = [await add(f"{code}_bl{i}", f"{short}办理员{i}", {Role.HANDLER}, dept) for i in (1, 2)]
        if key in ("water", "urban", "longhua"):
            await add(f"{code}_ld", f"{short}领导", {Role.LEADER}, dept, frozenset({dept}))
    return Cast(sups, cts, clerks, handlers, depts)


async def _knowledge(knowledge: KnowledgeService, actor: Actor) -> int:
    count = 0
    for sort, (category, articles) in enumerate(KNOWLEDGE.items()):
        cat = await knowledge.add_category(actor, category, sort)
        for title, body, keywords in articles:
            await knowledge.add(actor, ArticleInput(cat["id"], title, body, keywords))
            count += 1
    return count


def _creation_times(rng: random.Random, n: int, now: datetime) -> list[datetime]:
    """More cases lately than a year ago, all in waking hours."""
    times = []
    for _ in range(n):
        days_ago = min(365.0, rng.expovariate(1 / 110))
        t = now - timedelta(days=days_ago)
        t = t.replace(hour=rng.choice(range(8, 21)), minute=rng.randrange(60), second=rng.randrange(60))
        times.append(min(t, now - timedelta(minutes=5)))
    return sorted(times)


async def generate_demo(settings: Settings, *, cases: int = 3000, if_empty: bool = False, seed: int = 12345) -> bool:
    tz = ZoneInfo(settings.casework.timezone)
    db = await Database(settings.storage.database_path, readers=1, tz=tz, durable=False).open()
    try:
        async with db.reader() as conn:
            existing = await fetch_value(conn, "SELECT COUNT(*) FROM users")
        if existing:
            print("演示数据已存在，未重复生成。" if if_empty else "数据库中已有数据，未生成演示数据。")
            if if_empty:
                await _print_users(db)
            return False
        now = datetime.now(tz).replace(microsecond=0)
        clock = ManualClock(now - timedelta(days=400))
        reference = ReferenceService(db)
        accounts = AccountService(db, clock, settings.security)
        depts = {k: (await reference.add_department(n, kind, sort=i)).id
                 for i, (k, (n, kind, _)) in enumerate(DEPARTMENTS.items())}
        cast = await _people(accounts, depts)
        articles = await _knowledge(KnowledgeService(db, clock), cast.supervisors[0].actor())
        rng = random.Random(seed)
        teller = Storyteller(CaseService(db, clock, reference), clock, cast, rng, now)
        started = time.perf_counter()
        times = _creation_times(rng, cases, now)
        for i, created in enumerate(times, 1):
            await teller.tell(created)
            if i % 25 == 0 or i == cases:
                progress(i, cases, started)
        await SearchIndexer(db).catch_up()
        await _report(db, articles)
        return True
    finally:
        await db.close()


async def _print_users(db: Database) -> None:
    async with db.reader() as conn:
        rows = await fetch_all(conn, "SELECT username, name, roles FROM users WHERE active = 1 ORDER BY id")
    print(f"演示用户（密码均为 {DEMO_PASSWORD}，如未修改）：")
    for username, name, roles in rows:
        labels = "、".join(Role(r).label for r in roles.split(","))
        print(f"  {username:<10} {name:<14} {labels}")


async def _report(db: Database, articles: int) -> None:
    async with db.reader() as conn:
        by_state = Counter({State(r[0]).label: r[1]
                            for r in await fetch_all(conn, "SELECT state, COUNT(*) FROM cases GROUP BY state")})
    print(f"办件：{sum(by_state.values())} 件（" + "，".join(f"{k} {v}" for k, v in by_state.items()) + f"）；知识库 {articles} 条")
    await _print_users(db)
