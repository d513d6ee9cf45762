"""Knowledge-base articles and who may keep them."""
from __future__ import annotations

from dataclasses import dataclass

from casework.domain.enums import Role
from casework.domain.model import Actor
from casework.errors import Invalid

LIMITS = {"title": 200, "body": 20000, "keywords": 200}


@dataclass(frozen=True)
class ArticleInput:
    category_id: int
    title: str
    body: str
    keywords: str = ""
    department_id: int | None = None

    def validate(self) -> None:
        errors = {k: f"不能超过 {n} 个字" for k, n in LIMITS.items() if len(getattr(self, k)) > n}
        for name, label in (("title", "标题"), ("body", "正文")):
            if not getattr(self, name).strip():
                errors[name] = f"请填写{label}"
        if errors:
            raise Invalid(fields=errors)


def may_edit(actor: Actor, department_id: int | None) -> bool:
    """The centre keeps every article; a department keeps its own."""
    if actor.has(Role.SUPERVISOR, Role.ADMIN):
        return True
    return actor.has(Role.CLERK, Role.HANDLER) and department_id is not None and department_id == actor.department_id
