"""热点 detection on generated cases: an ordinary month yields nothing, a planted rise is found."""
from __future__ import annotations

import random
from datetime import date, timedelta

from casework.demo.data import PLACES, TOPICS
from casework.reference.places import STREETS
from casework.insight.hotspots import Doc, Term, detect, judge, trend, words

TODAY = date(2026, 9, 28)
STREET_LIST = [(district, s) for district, streets in STREETS.items() for s in streets]


def ordinary(per_day: int = 40, seed: int = 7) -> list[Doc]:
    """A month of cases spread evenly over the demo topics and Haikou's streets."""
    rng, docs = random.Random(seed), []
    for back in range(30):
        day = TODAY - timedelta(days=back)
        for _ in range(per_day):
            title, _, _, _ = rng.choice(TOPICS)
            district, street = rng.choice(STREET_LIST)
            place = street + rng.choice(PLACES)
            docs.append(Doc(len(docs) + 1, day, title.format(place=place), f"海口市{district}{street}"))
    return docs


def planted(docs: list[Doc], count: int = 20) -> list[Doc]:
    extra = [Doc(100_000 + i, TODAY - timedelta(days=i % 3), "海甸街道小区燃气泄漏异味",
                 "海口市美兰区海甸街道人民大道") for i in range(count)]
    return docs + extra


def test_an_ordinary_month_yields_no_hotspot() -> None:
    for seed in (1, 2, 3):
        result = detect(ordinary(seed=seed), TODAY)
        assert result.candidates == [], result.candidates[:3]
        assert result.docs == 1200


def test_a_planted_rise_is_found_with_its_cases_and_trend() -> None:
    result = detect(planted(ordinary()), TODAY)
    found = {c.term: c for c in result.candidates}
    assert "燃气" in found and "泄漏" in found, list(found)
    gas = found["燃气"]
    assert gas.kind == "topic" and gas.recent == 20 and gas.expected == 0 and gas.z >= 4
    members = result.terms["燃气"].members
    assert sorted(i for i, _ in members) == list(range(100_000, 100_020))
    assert trend(members, result.start)[-3:] == [6, 7, 7]
    street = found["人民大道"]  # the planted address's street: its own baseline is ordinary traffic
    assert street.kind == "place" and street.recent > 20 and street.expected > 0


def test_a_steady_topic_is_not_a_hotspot_however_common() -> None:
    members = [(i, TODAY - timedelta(days=i % 30)) for i in range(300)]
    assert judge(Term("topic", "停水", members), TODAY) is None
    rising = members + [(1000 + i, TODAY) for i in range(100)]
    assert judge(Term("topic", "停水", rising), TODAY) is not None


def test_words_leave_out_places_and_stop_words() -> None:
    cut = words("海甸街道小区夜间施工噪音扰民问题")
    assert "海甸街道" not in cut and "小区" not in cut and "问题" not in cut
    assert "噪音" in cut and "施工" in cut


def test_curated_terms_gather_cases_by_substring() -> None:
    docs = [Doc(1, TODAY, "燃气管道破损", "海甸街道"), Doc(2, TODAY, "管道燃气异味", ""), Doc(3, TODAY, "停水", "")]
    result = detect(docs, TODAY, ["燃气管道", "燃气"])
    assert [i for i, _ in result.terms["燃气管道"].members] == [1]
    assert sorted(i for i, _ in result.terms["燃气"].members) == [1, 2]
