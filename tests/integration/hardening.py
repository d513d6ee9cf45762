"""Builders shared by the hardening tests: a water department's case with an attachment, a recording and
a call, and every API operation of the OpenAPI document filled in with ids and a plausible body."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from recordings.ffmpeg import resolve_binary
from recordings.legacy import synth
from recordings.model import Source
from telephony.calls.records import CallDisposition, CallRecord, Direction
from telephony.calls.service import CallService
from tests.integration.helpers import act, in_progress
from tests.integration.test_attachments import upload
from tests.support import Api, Org
from web.keys import CLOCK, DATABASE, RECORDINGS

METHODS = ("get", "post", "put", "delete", "patch")
CALLER = "13912345678"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    public: bool
    upload: bool

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.template}"

    def names(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.template)

    def path(self, values: dict[str, Any]) -> str:
        return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), self.template).removeprefix("/api/v1")


async def operations(api: Api) -> list[Operation]:
    status, doc = await api.call("GET", "/openapi.json")
    assert status == 200
    return [Operation(m, path, "security" not in op,
                      "multipart/form-data" in op.get("requestBody", {}).get("content", {}))
            for path, ops in doc["paths"].items() for m, op in ops.items() if m in METHODS]


@dataclass(frozen=True)
class WaterCase:
    """What belongs to the water department only: the case, its attachment, recording and call."""
    case: dict[str, Any]
    attachment_id: int
    recording_id: int
    call_id: int


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


async def water_case(server, org: Org, ct: Api, sup: Api, clerk: Api, handler: Api, tmp: Path) -> WaterCase:
    case = await in_progress(ct, sup, clerk, org, "water", "water_h1", title="水表井盖缺失", caller_name="赵六",
                             caller_phone=CALLER)
    status, att = await upload(handler, case["id"], "现场照片.png", PNG)
    assert status == 201, att
    wma = synth(resolve_binary(""), tmp / "13800138000_20260928091015.wma", 2, "wmav2")
    result = await server.app[RECORDINGS].ingest(wma, Source.WMA)
    await sup.ok("POST", f"/recordings/{result.recording_id}/link", {"case_number": case["number"]})
    offered = server.app[CLOCK]() - timedelta(minutes=5)
    call_id = await CallService(server.app[DATABASE]).record_call(CallRecord(
        linked_id="1790000100.1", direction=Direction.INBOUND, offered_at=offered, caller_number=CALLER,
        queue="hotline", answered_at=offered + timedelta(seconds=5), ended_at=offered + timedelta(seconds=90),
        wait_seconds=5, talk_seconds=85, disposition=CallDisposition.PENDING, case_id=case["id"]))
    await act(sup, case["id"], "urge", opinion="请尽快处理")
    return WaterCase(case, att["id"], result.recording_id, call_id)


def well_formed(status: int, body: Any) -> bool:
    """No 500; a 503 only for the PBX being away (tests run without one); every error {"error": {...}}."""
    if status >= 500 and not (status == 503 and is_error_body(body) and body["error"]["code"] == "pbx_down"):
        return False
    return status < 400 or is_error_body(body)


def is_error_body(body: Any) -> bool:
    err = body.get("error") if isinstance(body, dict) else None
    return isinstance(err, dict) and isinstance(err.get("code"), str) and bool(err.get("message"))
