"""The vocabularies of the domain, each with the Chinese label the UI shows.

Every vocabulary of every package is a `Labelled` enum made by `vocabulary` from a table in a
labels.toml beside its module (here: labels.toml), so the values and their labels are read and
reviewed in one place, and no enum is written out member by member.
"""
from __future__ import annotations

import sys
import tomllib
from enum import Enum
from pathlib import Path
from typing import Any, Mapping


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


def labels_beside(module_file: str) -> dict[str, dict[str, str]]:
    """The tables of the labels.toml in the folder of `module_file` (a module's `__file__`)."""
    with open(Path(module_file).with_name("labels.toml"), "rb") as f:
        return tomllib.load(f)


def vocabulary(name: str, labels: Mapping[str, str], base: type[Labelled] = Labelled) -> Any:
    """The enum of `labels` (value → label, in order), members named by their values in capitals ('' is
    NONE). `base` may add methods. Made in the caller's module, so members pickle by name."""
    module = sys._getframe(1).f_globals["__name__"]
    members = [((value or "none").upper(), (value, label)) for value, label in labels.items()]
    return base(name, members, module=module, qualname=name)


LABELS = labels_beside(__file__)
State = vocabulary("State", LABELS["State"])
AssignmentState = vocabulary("AssignmentState", LABELS["AssignmentState"])
Source = vocabulary("Source", LABELS["Source"])
CaseType = vocabulary("CaseType", LABELS["CaseType"])
Urgency = vocabulary("Urgency", LABELS["Urgency"])
Disposition = vocabulary("Disposition", LABELS["Disposition"])
Satisfaction = vocabulary("Satisfaction", LABELS["Satisfaction"])
Role = vocabulary("Role", LABELS["Role"])
OverdueClass = vocabulary("OverdueClass", LABELS["OverdueClass"])
Action = vocabulary("Action", LABELS["Action"])
Route = vocabulary("Route", LABELS["Route"])

OPEN_STATES = frozenset({State.PENDING_DISPATCH, State.RETURNED, State.PENDING_SIGNOFF,
                         State.IN_PROGRESS, State.PENDING_APPROVAL})
DONE_STATES = frozenset({State.CLOSED, State.FEEDBACK_DONE})
ACTIVE_ASSIGNMENT = frozenset({AssignmentState.PENDING_SIGNOFF, AssignmentState.IN_PROGRESS,
                               AssignmentState.COMPLETED, AssignmentState.RETURNED})
