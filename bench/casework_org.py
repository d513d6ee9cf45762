"""The benchmark's organisation: Haikou departments and users, created through the real services."""
from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from casework.accounts.service import AccountService
from casework.clock import system_clock
from casework.db.database import Database
from casework.domain.enums import Role
from casework.reference.service import ReferenceService
from config.settings import SecuritySettings

from bench.casework_text import person

PASSWORD = "Bench!2026-pass"
TZ = ZoneInfo("Asia/Shanghai")
DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("centre", "海口市12345热线监督指挥中心", "centre", ""),
    ("water", "海口市水务局", "department", ""), ("watersupply", "海口威立雅水务有限公司", "department", ""),
    ("housing", "海口市住房和城乡建设局", "department", ""), ("enforce", "海口市综合行政执法局", "department", ""),
    ("transport", "海口市交通运输和港航管理局", "department", ""), ("eco", "海口市生态环境局", "department", ""),
    ("police", "海口市公安局", "department", ""), ("market", "海口市市场监督管理局", "department", ""),
    ("hrss", "海口市人力资源和社会保障局", "department", ""), ("edu", "海口市教育局", "department", ""),
    ("health", "海口市卫生健康委员会", "department", ""), ("land", "海口市自然资源和规划局", "department", ""),
    ("garden", "海口市园林和环境卫生管理局", "department", ""),
    ("fund", "海南省住房公积金管理局海口分局", "department", ""), ("medins", "海口市医疗保障局", "department", ""),
    ("power", "海南电网海口供电局", "department", ""), ("agri", "海口市农业农村局", "department", ""),
    ("municipal", "海口市市政管理局", "department", ""), ("gas", "海口华润燃气有限公司", "department", ""),
    ("civil", "海口市民政局", "department", ""),
    ("xiuying", "海口市秀英区人民政府", "district", "秀英区"), ("longhua", "海口市龙华区人民政府", "district", "龙华区"),
    ("qiongshan", "海口市琼山区人民政府", "district", "琼山区"), ("meilan", "海口市美兰区人民政府", "district", "美兰区"),
)
SUPERVISORS, CALL_TAKERS = 3, 6


@dataclass
class Staff:
    id: int
    name: str
    username: str


@dataclass
class Org:
    departments: dict[str, int] = field(default_factory=dict)      # key -> department id
    districts: dict[str, int] = field(default_factory=dict)        # 秀英区 -> its government's id
    clerks: dict[int, Staff] = field(default_factory=dict)         # department id -> clerk
    handlers: dict[int, list[Staff]] = field(default_factory=dict)  # department id -> handlers
    supervisors: list[Staff] = field(default_factory=list)
    call_takers: list[Staff] = field(default_factory=list)
    leader: Staff | None = None

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict) -> "Org":
        return cls(departments=raw["departments"], districts=raw["districts"],
                   clerks={int(k): Staff(**v) for k, v in raw["clerks"].items()},
                   handlers={int(k): [Staff(**s) for s in v] for k, v in raw["handlers"].items()},
                   supervisors=[Staff(**s) for s in raw["supervisors"]],
                   call_takers=[Staff(**s) for s in raw["call_takers"]],
                   leader=Staff(**raw["leader"]) if raw["leader"] else None)

    def resolve(self, key: str, district: str) -> int:
        return self.districts[district] if key == "district" else self.departments[key]


async def _departments(reference: ReferenceService, org: Org) -> None:
    for sort, (key, name, kind, district) in enumerate(DEPARTMENTS):
        dept = await reference.add_department(name, kind, district, sort)
        org.departments[key] = dept.id
        if district:
            org.districts[district] = dept.id


async def _add(accounts: AccountService, rng: random.Random, username: str, roles: set[Role],
               dept: int | None, scope=frozenset()) -> Staff:
    name = person(rng)
    user = await accounts.add_user(username=username, name=name, password=PASSWORD, roles=frozenset(roles),
                                   department_id=dept, leader_scope=scope)
    return Staff(user.id, user.name, user.username)


async def _department_staff(accounts: AccountService, rng: random.Random, org: Org, key: str, dept: int) -> None:
    org.clerks[dept] = await _add(accounts, rng, f"{key}_clerk", {Role.CLERK}, dept)
    org.handlers[dept] = [await _add(accounts, rng, f"{key}_h{i}", {Role.HANDLER}, dept) for i in (1, 2)]


async def _users(accounts: AccountService, org: Org, rng: random.Random) -> None:
    centre = org.departments["centre"]
    staff = [_department_staff(accounts, rng, org, key, dept) for key, dept in org.departments.items()
             if key != "centre"]
    await asyncio.gather(*staff)  # argon2 hashing runs in threads; two cores work at once
    org.supervisors = [await _add(accounts, rng, f"sup{i}", {Role.SUPERVISOR}, centre)
                       for i in range(1, SUPERVISORS + 1)]
    org.call_takers = [await _add(accounts, rng, f"ct{i}", {Role.CALL_TAKER}, centre)
                       for i in range(1, CALL_TAKERS + 1)]
    org.leader = await _add(accounts, rng, "mayor", {Role.LEADER}, None, None)
    await _add(accounts, rng, "admin", {Role.ADMIN}, None)


async def create_org(db: Database, seed: int = 12345) -> Org:
    """Departments and users through ReferenceService and AccountService (real hashing, real checks)."""
    org = Org()
    await _departments(ReferenceService(db), org)
    await _users(AccountService(db, system_clock(TZ), SecuritySettings()), org, random.Random(seed))
    return org
