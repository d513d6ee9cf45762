"""The simulator's random traffic: repeat callers come from the known list, new ones have valid numbers."""
from __future__ import annotations

import random
import re

from telephony.simulator.traffic import TrafficProfile, caller, random_plan

KNOWN = (("13907550000", "王五"), ("13800138000", "李四"))


def test_repeat_callers_come_from_the_known_list() -> None:
    rng = random.Random(1)
    profile = TrafficProfile(known_callers=KNOWN, known_ratio=1.0)
    assert {caller(rng, profile) for _ in range(50)} <= set(KNOWN)
    assert random_plan(rng, profile, "hotline").caller_number in {n for n, _ in KNOWN}


def test_new_callers_have_plausible_chinese_numbers() -> None:
    rng = random.Random(2)
    numbers = [caller(rng, TrafficProfile())[0] for _ in range(200)]
    assert all(re.fullmatch(r"1[35789]\d{9}|0898\d{8}", n) for n in numbers)


def test_local_callers_and_transfers_only_when_asked_for() -> None:
    plain = [random_plan(random.Random(3), TrafficProfile(), "hotline") for _ in range(3)]
    assert not any(p.via_local or p.transfer for p in plain)
    rng = random.Random(4)
    shaped = [random_plan(rng, TrafficProfile(local_caller_ratio=1.0, transfer_ratio=1.0), "hotline")
              for _ in range(40)]
    assert all(p.via_local and p.transfer in ("blind", "attended") for p in shaped)
    assert {p.transfer for p in shaped} == {"blind", "attended"}
