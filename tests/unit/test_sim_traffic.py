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
