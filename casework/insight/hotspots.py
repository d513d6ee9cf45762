"""热点 detection: topics (words of the case titles, cut by jieba) and places (district and street
names in the title or address) whose count in the last days rises well above their own baseline.

Over a rolling window of WINDOW_DAYS days ending today, the last RECENT_DAYS days are compared
with the days before: expected = baseline count × RECENT_DAYS ÷ baseline days; a term is a
hotspot when its recent count is at least MIN_RECENT, at least MIN_RATIO × expected, and its
z-score (recent − expected) ÷ √(expected + 1) at least MIN_Z (a generated ordinary month of
1,200 cases yields none in 40 seeds of 40). A case belongs to a term when the
term is one of its title's words or places, or a substring of its title or address; the counts,
the trend and the case list of a hotspot all come from that one rule.

Everything here is synchronous and runs in a worker thread (jieba is pure Python).
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable

import jieba

from casework.reference.places import DISTRICTS, STREETS
from casework.insight.rollup import read_only

WINDOW_DAYS, RECENT_DAYS = 30, 7
MIN_RECENT, MIN_RATIO, MIN_Z = 5, 2.0, 5.0
PLACE_NAMES: tuple[str, ...] = (*DISTRICTS, *(s for streets in STREETS.values() for s in streets))
STOP_WORDS = frozenset((
    "问题 反映 反应 市民 咨询 投诉 关于 要求 希望 建议 情况 处理 解决 请求 如何 是否 什么 怎么 办理 相关 一个 没有 存在 "
    "进行 有关 政府 部门 来电 诉求 求助 其他 我们 他们 可以 能否 为何 为什么 请问 严重 不能 已经 还是 一直 目前 现在 "
    "小区 花园 新村 公寓 市场 附近 路段 海口 海口市 街道 社区 居民 业主 无效 来电人 导致 影响 经常 突然 长期 多次 "
    "进行 不合理 不及时 频繁 公交站 十字路口 商业街 学校 学校附近").split())
_segment_lock = threading.Lock()
_cut_cache: dict[str, tuple[str, ...]] = {}
CACHE_LIMIT = 300_000


@dataclass(frozen=True)
class Doc:
    id: int
    day: date
    title: str
    address: str = ""


@dataclass
class Term:
    """One topic or place with the cases that mention it in the window."""
    kind: str  # topic | place
    term: str
    members: list[tuple[int, date]] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    kind: str
    term: str
    recent: int
    expected: float
    z: float


@dataclass
class Detection:
    start: date
    today: date
    docs: int
    seconds: float
    terms: dict[str, Term]
    candidates: list[Candidate]


def prepare() -> None:
    """jieba's dictionary with the place names in it (jieba's own flag says when that is done)."""
    with _segment_lock:
        if not jieba.dt.initialized:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            for name in PLACE_NAMES:
                jieba.add_word(name, freq=20000)


def words(title: str) -> tuple[str, ...]:
    """The topic words of a title: jieba's words of two or more Chinese characters, not places or stop words."""
    found = _cut_cache.get(title)
    if found is None:
        found = tuple(dict.fromkeys(w for w in jieba.lcut(title, HMM=True) if len(w) >= 2 and _is_han(w)
                                    and w not in STOP_WORDS and w not in PLACE_SET))
        if len(_cut_cache) >= CACHE_LIMIT:
            _cut_cache.clear()
        _cut_cache[title] = found
    return found


PLACE_SET = frozenset(PLACE_NAMES)


def _is_han(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in word)


def places(doc: Doc) -> list[str]:
    text = doc.title + " " + doc.address
    return [p for p in PLACE_NAMES if p in text]


def index(docs: Iterable[Doc]) -> dict[str, Term]:
    """Every topic and place of the docs with the docs that have it."""
    terms: dict[str, Term] = {}
    for doc in docs:
        for kind, found in (("topic", words(doc.title)), ("place", places(doc))):
            for word in found:
                entry = terms.get(word)
                if entry is None:
                    entry = terms[word] = Term(kind, word)
                entry.members.append((doc.id, doc.day))
    return terms


def judge(term: Term, today: date) -> Candidate | None:
    """The candidate `term` makes, if its recent count rises well above its baseline."""
    recent_from = today - timedelta(days=RECENT_DAYS - 1)
    recent = sum(1 for _, day in term.members if day >= recent_from)
    if recent < MIN_RECENT:
        return None
    expected = (len(term.members) - recent) * RECENT_DAYS / (WINDOW_DAYS - RECENT_DAYS)
    z = (recent - expected) / math.sqrt(expected + 1)
    if recent < MIN_RATIO * expected or z < MIN_Z:
        return None
    return Candidate(term.kind, term.term, recent, round(expected, 1), round(z, 1))


def widen(term: Term, docs: list[Doc]) -> Term:
    """`term` with every doc whose title or address contains it (the membership rule)."""
    members = [(d.id, d.day) for d in docs if term.term in d.title or term.term in d.address]
    known = {i for i, _ in members}
    members.extend(m for m in term.members if m[0] not in known)
    return Term(term.kind, term.term, sorted(members, key=lambda m: (m[1], m[0])))


def detect(docs: list[Doc], today: date, curated_terms: Iterable[str] = (), started: float | None = None) -> Detection:
    """Candidates among the docs' terms, and the members of every candidate and curated term."""
    started = time.perf_counter() if started is None else started
    prepare()
    found = index(docs)
    screened = [t for t in found.values() if judge(t, today) is not None]
    kept: dict[str, Term] = {t.term: widen(t, docs) for t in screened}
    for term in curated_terms:
        if term and term not in kept:
            kept[term] = widen(found.get(term, Term("topic", term)), docs)
    candidates = [c for t in screened if (c := judge(kept[t.term], today)) is not None]
    candidates.sort(key=lambda c: (-c.z, -c.recent, c.term))
    return Detection(today - timedelta(days=WINDOW_DAYS - 1), today, len(docs), time.perf_counter() - started,
                     kept, candidates)


def load_docs(path: Path, start: date, today: date) -> list[Doc]:
    conn = read_only(path)
    try:
        rows = conn.execute("SELECT id, created_at, title, address FROM cases WHERE created_at >= ? AND created_at < ?",
                            (start.isoformat(), (today + timedelta(days=1)).isoformat())).fetchall()
    finally:
        conn.close()
    days: dict[str, date] = {}
    return [Doc(r[0], days.setdefault(r[1][:10], date.fromisoformat(r[1][:10])), r[2], r[3]) for r in rows]


def run(path: Path, today: date, curated_terms: list[str]) -> Detection:
    """Load the window's cases and detect (the worker-thread entry point)."""
    started = time.perf_counter()
    docs = load_docs(path, today - timedelta(days=WINDOW_DAYS - 1), today)
    return detect(docs, today, curated_terms, started)


def trend(members: Iterable[tuple[int, date]], start: date, days: int = WINDOW_DAYS) -> list[int]:
    counts: dict[date, int] = defaultdict(int)
    for _, day in members:
        counts[day] += 1
    return [counts[start + timedelta(days=i)] for i in range(days)]
