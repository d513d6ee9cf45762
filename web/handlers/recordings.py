"""录音 over HTTP: lists, playback with Range requests, download, the unmatched list, manual links, reports.

Playback answers with the cached transcode as a static file, so aiohttp's FileResponse handles
`Range`/`If-Range` (206, 416) and the browser can seek anywhere. While a transcode is running the
handler watches its connection: if the browser goes away, the job loses its waiter and is killed.
"""
from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from casework.errors import AppError, Invalid
from recordings.transcode import FORMATS, ClientGone, TranscodeFailed
from web.api import ApiRoutes, Param
from web.request import actor, json_body, path_int, recording_service, respond

routes = ApiRoutes("录音")
PAGE = (Param("page", {"type": "integer", "minimum": 1}), Param("per_page", {"type": "integer", "minimum": 1}))
FORMAT = Param("format", {"type": "string", "enum": list(FORMATS)}, "ogg（Opus，默认）、webm（Opus）或 mp3")
LINK_BODY = {"type": "object", "properties": {"call_id": {"type": "integer", "nullable": True},
                                              "case_number": {"type": "string"}}}


class CannotPlay(AppError):
    status, code, message = 500, "transcode_failed", "录音转码失败，请联系管理员"


def _page(request: web.Request) -> tuple[int, int]:
    try:
        return int(request.query.get("page", 1)), int(request.query.get("per_page", 20))
    except ValueError:
        raise Invalid(fields={"page": "应为整数"}) from None


def _range_start(request: web.Request) -> int:
    try:
        return request.http_range.start or 0
    except ValueError:
        return 0  # a malformed Range is answered by FileResponse (416); the audit counts it as a start


def client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


# Fixed paths first: "/recordings/unmatched" must not be taken for a recording id.
@routes.route("GET", "/recordings/unmatched", "未匹配的录音（监督人员）", query=PAGE)
async def list_unmatched(request: web.Request) -> web.Response:
    page, per_page = _page(request)
    return respond((await recording_service(request).unmatched(actor(request), page, per_page)).to_dict())


@routes.route("GET", "/recordings/quarantine", "隔离的录音文件及原因", query=PAGE)
async def list_quarantine(request: web.Request) -> web.Response:
    page, per_page = _page(request)
    return respond((await recording_service(request).quarantined(actor(request), page, per_page)).to_dict())


@routes.route("GET", "/recordings/retention", "超过保存期限的录音（只报告，不删除）")
async def retention(request: web.Request) -> web.Response:
    return respond((await recording_service(request).retention(actor(request))).to_dict())


@routes.route("GET", "/cases/{case_id}/recordings", "办件的录音")
async def case_recordings(request: web.Request) -> web.Response:
    found = await recording_service(request).for_case(path_int(request, "case_id"), actor(request))
    return respond([r.to_dict() for r in found])


@routes.route("GET", "/calls/{call_id}/recordings", "来电记录的录音")
async def call_recordings(request: web.Request) -> web.Response:
    found = await recording_service(request).for_call(path_int(request, "call_id"), actor(request))
    return respond([r.to_dict() for r in found])


@routes.route("GET", "/recordings/{recording_id}", "录音详情（含波形峰值）")
async def recording_detail(request: web.Request) -> web.Response:
    rec = await recording_service(request).get(path_int(request, "recording_id"), actor(request))
    return respond(rec.to_dict(peaks=True))


@routes.route("GET", "/recordings/{recording_id}/audio", "播放录音（浏览器可播放的格式，支持 Range 拖动）",
              query=(FORMAT,), binary=True)
async def play(request: web.Request) -> web.StreamResponse:
    svc, who = recording_service(request), actor(request)
    try:
        _, path, fmt = await svc.playback(path_int(request, "recording_id"), who, request.query.get("format", "ogg"),
                                          _range_start(request), lambda: client_gone(request))
    except ClientGone:
        return web.Response(status=499)  # nobody is listening; the transcode was stopped
    except TranscodeFailed:
        raise CannotPlay() from None
    # no-cache: the browser revalidates, so every playback reaches the access check and the audit log
    return web.FileResponse(path, headers={"Content-Type": fmt.content_type, "Cache-Control": "private, no-cache",
                                           "Content-Disposition": "inline"})


@routes.route("GET", "/recordings/{recording_id}/download", "下载原始录音文件", binary=True)
async def download(request: web.Request) -> web.StreamResponse:
    rec, path = await recording_service(request).download(path_int(request, "recording_id"), actor(request))
    return web.FileResponse(path, headers={
        "Content-Type": "application/octet-stream", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(rec.original_name, safe='')}"})


@routes.route("GET", "/recordings/{recording_id}/audit", "录音的播放、下载和关联记录")
async def audit(request: web.Request) -> web.Response:
    return respond(await recording_service(request).audit_log(path_int(request, "recording_id"), actor(request)))


@routes.route("POST", "/recordings/{recording_id}/link", "人工关联录音到来电或办件（监督人员）", body=LINK_BODY)
async def link(request: web.Request) -> web.Response:
    body = await json_body(request)
    call_id = body.get("call_id")
    if call_id is not None and (isinstance(call_id, bool) or not isinstance(call_id, int)):
        raise Invalid(fields={"call_id": "应为整数"})
    number = body.get("case_number") or ""
    if not isinstance(number, str):
        raise Invalid(fields={"case_number": "应为文本"})
    rec = await recording_service(request).link(path_int(request, "recording_id"), actor(request), call_id=call_id,
                                                case_number=number)
    return respond(rec.to_dict())
