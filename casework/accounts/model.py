"""A user as stored, and the actor the workflow sees."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from casework.domain.enums import Role
from casework.domain.model import Actor
from casework.errors import Invalid

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class User:
    id: int
    username: str
    name: str
    roles: frozenset[Role]
    department_id: int | None
    leader_scope: frozenset[int] | None
    active: bool = True
    phone_ext: str = ""

    def has_role(self, value: str) -> bool:
        return any(r.value == value for r in self.roles)

    def actor(self) -> Actor:
        return Actor(self.id, self.name, self.roles, self.department_id, self.leader_scope)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "username": self.username, "name": self.name,
                "roles": sorted(r.value for r in self.roles),
                "role_labels": [r.label for r in sorted(self.roles, key=lambda r: r.value)],
                "department_id": self.department_id,
                "leader_scope": None if self.leader_scope is None else sorted(self.leader_scope),
                "active": self.active, "phone_ext": self.phone_ext}


def encode_scope(scope: frozenset[int] | None) -> str | None:
    return None if scope is None else json.dumps(sorted(scope))


def decode_scope(raw: str | None) -> frozenset[int] | None:
    return None if raw is None else frozenset(json.loads(raw))


def parse_roles(raw: object) -> frozenset[Role]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple, set, frozenset)) or not items:
        raise Invalid(fields={"roles": "请至少选择一个角色"})
    roles = [Role.parse(str(x).strip()) for x in items]
    if any(r is None for r in roles):
        raise Invalid(fields={"roles": "未知角色"})
    return frozenset(roles)  # type: ignore[arg-type]


def check_new_user(username: str, name: str, password: str, roles: frozenset[Role],
                   department_id: int | None) -> None:
    errors = {}
    if not USERNAME_RE.match(username):
        errors["username"] = "用户ID应为 2 至 32 位字母、数字、下划线、点或连字符"
    if not name.strip() or len(name) > 50:
        errors["name"] = "请填写姓名（不超过 50 字）"
    if len(password) < MIN_PASSWORD:
        errors["password"] = f"密码至少 {MIN_PASSWORD} 位"
    if roles & {Role.CLERK, Role.HANDLER} and department_id is None:
        errors["department_id"] = "职能单位人员必须属于一个单位"
    if errors:
        raise Invalid(fields=errors)
