"""schemathesis against /api/v1/openapi.json on the real server: inputs that fit the document and inputs
that break it, logged in as a supervisor, a department clerk and the administrator. No 500, and every error is
{"error": {"code", "message"}} with a Chinese message. Full-text syntax in searches gives results or 400."""
from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings as hsettings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.integration.helpers import dispatched, new_case
from tests.support import PASSWORD
from web.middleware import COOKIE

EXAMPLES = 10  # per operation and mode: 81 operations × 2 modes × 3 users, about 4,000 requests in ~45 s
CJK = re.compile(r"[\u4e00-\u9fff]")
# Ending one's own session would turn the rest of the run into 401s; logging out is tested elsewhere.
SKIP = {("POST", "/api/v1/auth/logout")}
FTS_INPUTS = ['"', '""', '"水', '*', '水*', '*水', 'NEAR(', 'NEAR(水 管)', 'NEAR(水, 5)', 'AND', 'OR', 'NOT',
              '水 AND', 'AND 水', '水 OR 电', 'NOT 水', '(', ')', '()', '水)', '^水', 'title:水', 'body:水',
              '-水', '+水', "'", "水' OR '1'='1", '\\', '%', '_', '{水}', '[水]', '水"管', '"水" "管"',
              '水\x00管', '\u200b', '🚰', '水' * 500, 'a' * 2000, 'ＡＮＤ', 'NEAR', 'near(', '*:*', '\t\n']


@dataclass
class Report:
    calls: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _check(report: Report, label: str, response: requests.Response) -> None:
    report.calls += 1
    report.statuses[response.status_code] += 1
    status = response.status_code
    if status >= 500 and status != 503:
        report.failures.append(f"{label}: {status} {response.text[:200]}")
    if status < 400:
        return
    try:
        err = response.json()["error"]
        ok = isinstance(err["code"], str) and CJK.search(err["message"])
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        report.failures.append(f"{label}: {status} is not {{\"error\": ...}}: {response.text[:200]}")


def _session(base: str, username: str) -> requests.Session:
    session = requests.Session()
    resp = session.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=10)
    resp.raise_for_status()
    session.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return session


def _fuzz(base: str, doc: dict[str, Any], username: str, fixed: dict[str, Any], report: Report) -> None:
    """Blocking (a thread): every operation, valid and invalid inputs, EXAMPLES each, deterministic."""
    schema = schemathesis.openapi.from_dict(doc)
    session = _session(base, username)
    cookie = {COOKIE: session.cookies[COOKIE]}
    for result in schema.get_all_operations():
        op = result.ok()
        if (op.method.upper(), op.path) in SKIP:
            continue
        label = f"{username} {op.method.upper()} {op.path}"
        pinned = {k: v for k, v in fixed.items() if "{" + k + "}" in op.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @hsettings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                       suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            @given(case=op.as_strategy(generation_mode=mode, path_parameters=pinned or None, cookies=cookie))
            def run(case: schemathesis.Case) -> None:
                case.cookies = {**(case.cookies or {}), **cookie}  # the session, not a generated one
                _check(report, label, case.call(base_url=base, session=session, timeout=15))
            try:
                run()
            except Unsatisfiable:  # nothing to break: no parameters, no body (the session is pinned)
                report.skipped.append(f"{label} {mode.value}")


@pytest.mark.slow
async def test_schemathesis_finds_no_500_and_only_well_formed_errors(server, login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    await dispatched(ct, sup, [org.departments["water"]], title="供水管道破裂")
    await new_case(ct, title="路灯不亮")
    doc = await sup.ok("GET", "/openapi.json")
    base = str(server.make_url("")).rstrip("/")
    report = Report()
    # Users whose details the administrator's run may change: never the fuzzing users themselves.
    fixed = {"user_id": org.users["water_h2"]}
    for username in ("sup", "water_clerk", "admin"):
        await asyncio.to_thread(_fuzz, base, doc, username, fixed, report)
    print(f"\nschemathesis: {report.calls} requests, statuses {dict(sorted(report.statuses.items()))}, "
          f"{len(report.skipped)} operation-modes without inputs")
    assert report.failures == [], "\n".join(report.failures[:20])
    assert report.calls >= 81 * 2 * 3 and report.statuses[200] > 0 and report.statuses[400] > 0


async def test_full_text_syntax_in_searches_gives_results_or_400(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    await new_case(ct, title="供水管道破裂", content="水管爆裂，路面积水")
    await sup.ok("POST", "/knowledge/articles", {"category_id": (await sup.ok(
        "POST", "/knowledge/categories", {"name": "供水"}, status=201))["id"], "title": "停水", "body": "水管维修"},
        status=201)
    tried = 0
    for q in FTS_INPUTS:
        for path in ("/cases", "/knowledge/articles", "/lists/supervision_all"):
            status, body = await sup.call("GET", path, params={"q": q})
            tried += 1
            assert status in (200, 400), (path, q, status, body)
            if status == 400:
                assert CJK.search(body["error"]["message"]) and body["error"]["fields"], (path, q, body)
        async with sup.session.get(f"{sup.base}/search", params={"q": q}) as page:
            tried += 1
            assert page.status in (200, 400), (q, page.status)
    # Operators are plain text: every word must be in the case, punctuation is ignored.
    for q, total in (('"水管', 1), ("水管)", 1), ("(水管*", 1), ("NEAR(水管", 0), ("水管 AND", 0), ("水管 OR 路灯", 0)):
        assert (await sup.ok("GET", "/cases", params={"q": q}))["total"] == total, q
    print(f"\nsearch inputs tried: {tried}")
