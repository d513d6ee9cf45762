"""管理附件 over HTTP: streamed multipart upload, download, delete."""
from __future__ import annotations

from typing import AsyncIterator
from urllib.parse import quote

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from casework.errors import Invalid
from web.api import ApiRoutes
from web.request import actor, path_int, respond, services

routes = ApiRoutes("附件")
CHUNK = 64 * 1024


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(CHUNK):
        yield chunk


@routes.route("GET", "/cases/{case_id}/attachments", "办件的附件列表")
async def list_attachments(request: web.Request) -> web.Response:
    items = await services(request).attachments.list(path_int(request, "case_id"), actor(request))
    return respond([a.to_dict() for a in items])


@routes.route("POST", "/cases/{case_id}/attachments", "上传附件（multipart，字段名 file）", upload=True)
async def upload_attachment(request: web.Request) -> web.Response:
    who, case_id = actor(request), path_int(request, "case_id")
    if not request.content_type.startswith("multipart/"):
        raise Invalid(fields={"file": "请以 multipart/form-data 上传文件"})
    try:
        reader = await request.multipart()
    except ValueError:  # no boundary in the Content-Type
        raise Invalid(fields={"file": "上传内容格式有误"}) from None
    while True:
        try:
            part = await reader.next()
        except (HttpProcessingError, ValueError):  # a malformed part header (e.g. control characters)
            raise Invalid(fields={"file": "上传内容格式有误"}) from None
        if part is None:
            break
        if isinstance(part, BodyPartReader) and part.name == "file":
            info = await services(request).attachments.upload(case_id, who, part.filename, _chunks(part))
            return respond(info.to_dict(), status=201)
    raise Invalid(fields={"file": "请选择要上传的文件"})


@routes.route("GET", "/attachments/{attachment_id}", "下载附件", binary=True)
async def download_attachment(request: web.Request) -> web.StreamResponse:
    info, path = await services(request).attachments.open(path_int(request, "attachment_id"), actor(request))
    response = web.FileResponse(path, headers={
        "Content-Type": info.content_type,
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(info.original_name)}",
        "X-Content-Type-Options": "nosniff"})
    return response


def _quote(name: str) -> str:
    return quote(name, safe="")


@routes.route("DELETE", "/attachments/{attachment_id}", "删除附件")
async def delete_attachment(request: web.Request) -> web.Response:
    await services(request).attachments.delete(path_int(request, "attachment_id"), actor(request))
    return respond({"ok": True})
