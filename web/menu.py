"""The left menu of every role, with the manual's names (domain.md §6)."""
from __future__ import annotations

from dataclasses import dataclass

from casework.domain.enums import Role

SV, CT, CL, HD, LD, AD = Role.SUPERVISOR, Role.CALL_TAKER, Role.CLERK, Role.HANDLER, Role.LEADER, Role.ADMIN


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    roles: frozenset[Role]


def _m(label: str, url: str, *roles: Role) -> MenuItem:
    return MenuItem(label, url, frozenset(roles))


MENU: tuple[MenuItem, ...] = (
    _m("坐席工作台", "/desk", CT),
    _m("新建办件", "/cases/new", CT, SV),
    _m("待初审", "/lists/review", CT, SV),
    _m("回访列表", "/lists/callback", CT, SV),
    _m("漏接回拨", "/calls/missed", CT, SV),
    _m("实时监控", "/board", SV, LD),
    _m("待派发", "/lists/dispatch", SV),
    _m("待审核", "/lists/approval", SV),
    _m("延期审批", "/lists/extensions", SV),
    _m("督办列表", "/lists/supervision_all", SV),
    _m("督办办件", "/lists/due_soon", LD),
    _m("办件签收", "/lists/signoff", CL),
    _m("待办办件", "/lists/todo", CL, HD),
    _m("前台办结件", "/lists/front_desk", CL, HD),
    _m("个人经手", "/lists/mine", CT, SV, CL, HD, LD),
    _m("办件查询", "/search", CT, SV, CL, HD, LD, AD),
    _m("来电情况", "/calls", SV),
    _m("待关联录音", "/recordings", SV),
    _m("办件统计", "/stats", SV, LD),
    _m("热点", "/hotspots", SV, LD),
    _m("知识库", "/knowledge", CT, SV, CL, HD, LD, AD),
    _m("用户管理", "/admin/users", AD),
    _m("单位管理", "/admin/departments", AD),
    _m("办结时限", "/admin/rules", AD),
    _m("节假日调整", "/admin/calendar", AD),
)


def menu_for(roles: frozenset[Role]) -> list[MenuItem]:
    return [item for item in MENU if item.roles & roles]


def home_for(roles: frozenset[Role]) -> str:
    items = menu_for(roles)
    return items[0].url if items else "/search"


# 考核 (issue 7): the ranking for supervisors and leaders, the weights for the administrator.
MENU = (*MENU, _m("考核", "/appraisal", SV, LD), _m("考核权重", "/admin/appraisal", AD))
