"""Realistic random traffic for a standalone simulator: Poisson arrivals, log-normal talk times,
about one call in ten abandoned, some ring-no-answer, hang-ups from both sides, agents taking breaks."""
from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass, replace

from .calls import CallPlan
from .host import SimHost

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "志强", "丹", "萍", "鹏", "华", "红", "玉兰", "五", "六", "建国", "淑珍"]
PAUSE_REASONS = ["小休", "用餐", "培训", "话后整理", "会议"]


@dataclass(frozen=True)
class TrafficProfile:
    calls_per_hour: float = 60.0
    abandon_ratio: float = 0.10
    ring_no_answer_ratio: float = 0.05
    agent_hangup_ratio: float = 0.35
    talk_median: float = 100.0        # seconds; log-normal
    talk_sigma: float = 0.7
    answer_delay: tuple[float, float] = (1.5, 7.0)
    patience_mean: float = 35.0       # how long an abandoning caller waits
    named_ratio: float = 0.7          # calls whose caller name is known (CRM lookup)
    breaks_per_agent_hour: float = 1.0
    break_minutes: tuple[float, float] = (3.0, 12.0)
    known_callers: tuple[tuple[str, str], ...] = ()   # (number, name) of citizens who called before
    known_ratio: float = 0.3                            # share of calls from them
    local_caller_ratio: float = 0.0   # calls entering through an originated Local/12345@from-citizen
    transfer_ratio: float = 0.0       # answered calls the agent transfers on (blind or attended, half each)


def caller(rng: random.Random, p: TrafficProfile) -> tuple[str, str]:
    """A repeat caller now and then (so the screen pop has history to show), else a new one."""
    if p.known_callers and rng.random() < p.known_ratio:
        return rng.choice(p.known_callers)
    return caller_number(rng), caller_name(rng) if rng.random() < p.named_ratio else ""


def caller_number(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return rng.choice(("13", "15", "17", "18", "19")) + "".join(rng.choice("0123456789") for _ in range(9))
    return "0898" + "".join(rng.choice("0123456789") for _ in range(8))


def caller_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def random_plan(rng: random.Random, p: TrafficProfile, queue: str) -> CallPlan:
    number, name = caller(rng, p)
    talk = min(1800.0, rng.lognormvariate(math.log(p.talk_median), p.talk_sigma))
    hangup_by = "agent" if rng.random() < p.agent_hangup_ratio else "caller"
    roll = rng.random()
    if roll < p.abandon_ratio:
        return _shaped(rng, p, CallPlan(number, name, queue, answer_after=None,
                                        abandon_after=max(2.0, rng.expovariate(1.0 / p.patience_mean))))
    misses = 1 if roll < p.abandon_ratio + p.ring_no_answer_ratio else 0
    plan = CallPlan(number, name, queue, answer_after=rng.uniform(*p.answer_delay),
                    talk_seconds=talk, hangup_by=hangup_by, ring_no_answer=misses,
                    abandon_after=max(20.0, rng.expovariate(1.0 / (p.patience_mean * 3))))
    return _shaped(rng, p, plan)


def _shaped(rng: random.Random, p: TrafficProfile, plan: CallPlan) -> CallPlan:
    """Local callers and transfers, drawn only when asked for (the seeded traffic stays as it was)."""
    if p.local_caller_ratio > 0 and rng.random() < p.local_caller_ratio:
        plan = replace(plan, via_local=True)
    if p.transfer_ratio > 0 and rng.random() < p.transfer_ratio:
        plan = replace(plan, transfer=rng.choice(("blind", "attended")),
                       transfer_after=min(plan.talk_seconds / 2, 60.0))
    return plan


class TrafficGenerator:
    def __init__(self, sim: SimHost, profile: TrafficProfile, seed: int | None = None) -> None:
        self.sim = sim
        self.profile = profile
        self.rng = random.Random(seed)

    async def run(self) -> None:
        tasks = [asyncio.create_task(self._arrivals()), asyncio.create_task(self._breaks())]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def _arrivals(self) -> None:
        rate = self.profile.calls_per_hour / 3600.0
        queues = self.sim.config.queues
        while True:
            await self.sim.clock.sleep(self.rng.expovariate(rate))
            self.sim.start_call(random_plan(self.rng, self.profile, self.rng.choice(queues)))

    async def _breaks(self) -> None:
        agents = [a.interface for a in self.sim.config.agents]
        if not agents or self.profile.breaks_per_agent_hour <= 0:
            return
        rate = self.profile.breaks_per_agent_hour * len(agents) / 3600.0
        while True:
            await self.sim.clock.sleep(self.rng.expovariate(rate))
            interface = self.rng.choice(agents)
            if self.sim.pause_agent(interface, True, self.rng.choice(PAUSE_REASONS)):
                minutes = self.rng.uniform(*self.profile.break_minutes)
                asyncio.get_running_loop().call_later(self.sim.clock.real(minutes * 60),
                                                      self.sim.pause_agent, interface, False)
