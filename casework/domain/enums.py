"""The vocabularies of the domain, each with the Chinese label the UI shows."""
from __future__ import annotations

from enum import Enum


class Labelled(str, Enum):
    label: str

    def __new__(cls, value: str, label: str) -> "Labelled":
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def parse(cls, raw: object) -> "Labelled | None":
        for member in cls:
            if raw == member.value or raw == member.label:
                return member
        return None


class State(Labelled):
    PENDING_REVIEW = ("pending_review", "待初审")
    PENDING_DISPATCH = ("pending_dispatch", "待派发")
    RETURNED = ("returned", "已退回")
    PENDING_SIGNOFF = ("pending_signoff", "待签收")
    IN_PROGRESS = ("in_progress", "审批中")
    PENDING_APPROVAL = ("pending_approval", "待审核")
    CLOSED = ("closed", "已办结")
    FEEDBACK_DONE = ("feedback_done", "已反馈")


OPEN_STATES = frozenset({State.PENDING_DISPATCH, State.RETURNED, State.PENDING_SIGNOFF,
                         State.IN_PROGRESS, State.PENDING_APPROVAL})
DONE_STATES = frozenset({State.CLOSED, State.FEEDBACK_DONE})


class AssignmentState(Labelled):
    PENDING_SIGNOFF = ("pending_signoff", "待签收")
    IN_PROGRESS = ("in_progress", "审批中")
    COMPLETED = ("completed", "已办结")
    RETURNED = ("returned", "已退回")
    TRANSFERRED = ("transferred", "已转外单位")
    WITHDRAWN = ("withdrawn", "已撤回")


ACTIVE_ASSIGNMENT = frozenset({AssignmentState.PENDING_SIGNOFF, AssignmentState.IN_PROGRESS,
                               AssignmentState.COMPLETED, AssignmentState.RETURNED})


class Source(Labelled):
    PHONE = ("phone", "电话")
    WEB = ("web", "网站")
    FAX = ("fax", "传真")
    SMS = ("sms", "短信")
    EMAIL = ("email", "邮件")


class CaseType(Labelled):
    CONSULTATION = ("consultation", "咨询")
    SUGGESTION = ("suggestion", "建议")
    COMPLAINT = ("complaint", "投诉")
    HELP = ("help", "求助")
    OTHER = ("other", "其他")


class Urgency(Labelled):
    NORMAL = ("normal", "一般")
    URGENT = ("urgent", "紧急")


class Disposition(Labelled):
    """How the case left the front desk (来电情况: 办件 / 转办件 / 无效件)."""
    FORWARDED = ("forwarded", "转办件")
    FRONT_DESK = ("front_desk", "办件")
    INVALID = ("invalid", "无效件")


class Satisfaction(Labelled):
    SATISFIED = ("satisfied", "满意")
    BASIC = ("basic", "基本满意")
    UNSATISFIED = ("unsatisfied", "不满意")


class Role(Labelled):
    CALL_TAKER = ("call_taker", "话务员")
    SUPERVISOR = ("supervisor", "监督管理人员")
    CLERK = ("clerk", "职能单位签收人员")
    HANDLER = ("handler", "职能单位办理人员")
    LEADER = ("leader", "领导")
    ADMIN = ("admin", "系统管理员")


class OverdueClass(Labelled):
    """The supervision list's tabs (全部办件 is all of them)."""
    ON_TIME = ("on_time", "正常")
    DUE_SOON = ("due_soon", "即将逾期")
    OVERDUE_OPEN = ("overdue_open", "超期未办结")
    DONE_ON_TIME = ("done_on_time", "按时办结")
    DONE_OVERDUE = ("done_overdue", "超期已办结")
