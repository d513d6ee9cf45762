"""One small frozen command per action; the HTTP layer parses requests into these."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from casework.domain.enums import Action, Satisfaction


@dataclass(frozen=True)
class Command:
    action: ClassVar[Action]
    opinion: str = ""


@dataclass(frozen=True)
class Accept(Command):
    action = Action.ACCEPT


@dataclass(frozen=True)
class Invalidate(Command):
    action = Action.INVALIDATE


@dataclass(frozen=True)
class Dispatch(Command):
    action = Action.DISPATCH
    departments: tuple[int, ...] = ()
    lead: int | None = None


@dataclass(frozen=True)
class ReviewDispatch(Dispatch):
    action = Action.REVIEW_DISPATCH


@dataclass(frozen=True)
class Insist(Command):
    action = Action.INSIST
    department_id: int | None = None


@dataclass(frozen=True)
class Close(Command):
    action = Action.CLOSE


@dataclass(frozen=True)
class Sign(Command):
    action = Action.SIGN
    handler_id: int | None = None


@dataclass(frozen=True)
class Return(Command):
    action = Action.RETURN


@dataclass(frozen=True)
class Transfer(Command):
    action = Action.TRANSFER
    department_id: int | None = None


@dataclass(frozen=True)
class Forward(Command):
    action = Action.FORWARD
    handler_id: int | None = None


@dataclass(frozen=True)
class SaveOpinion(Command):
    action = Action.SAVE_OPINION


@dataclass(frozen=True)
class Complete(Command):
    action = Action.COMPLETE


@dataclass(frozen=True)
class Approve(Command):
    action = Action.APPROVE


@dataclass(frozen=True)
class Reject(Command):
    action = Action.REJECT
    departments: tuple[int, ...] = ()


@dataclass(frozen=True)
class Urge(Command):
    action = Action.URGE


@dataclass(frozen=True)
class AmendUrge(Command):
    action = Action.AMEND_URGE
    urging_id: int | None = None


@dataclass(frozen=True)
class RequestExtension(Command):
    action = Action.REQUEST_EXTENSION
    days: int = 0


@dataclass(frozen=True)
class DecideExtension(Command):
    action = Action.DECIDE_EXTENSION
    approve: bool = False


@dataclass(frozen=True)
class Merge(Command):
    action = Action.MERGE
    target_id: int | None = None


@dataclass(frozen=True)
class Callback(Command):
    action = Action.CALLBACK
    resolved: bool = True
    satisfaction: Satisfaction = Satisfaction.SATISFIED
    reopen: bool = False


COMMANDS: dict[Action, type[Command]] = {
    c.action: c for c in (Accept, Invalidate, Dispatch, ReviewDispatch, Insist, Close, Sign, Return,
                          Transfer, Forward, SaveOpinion, Complete, Approve, Reject, Urge, AmendUrge,
                          RequestExtension, DecideExtension, Merge, Callback)
}
