"""Errors every layer raises; the web middleware maps them to HTTP responses by their status."""
from __future__ import annotations

from typing import Mapping


class AppError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 fields: Mapping[str, str] | None = None) -> None:
        self.message = message or type(self).message
        self.code = code or type(self).code
        self.fields = dict(fields or {})
        super().__init__(self.message)

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class Invalid(AppError):
    status, code, message = 400, "invalid", "输入有误，请检查标红的字段"


class Unauthorized(AppError):
    status, code, message = 401, "unauthorized", "请先登录"


class Forbidden(AppError):
    status, code, message = 403, "forbidden", "您无权执行此操作"


class NotFound(AppError):
    status, code, message = 404, "not_found", "未找到该记录"


class Conflict(AppError):
    status, code, message = 409, "conflict", "办件状态已变化，请刷新后重试"


class TooLarge(AppError):
    status, code, message = 413, "too_large", "上传的文件过大"


class Unsupported(AppError):
    status, code, message = 415, "unsupported_type", "不允许上传此类文件"


class TooManyRequests(AppError):
    status, code, message = 429, "too_many_attempts", "登录失败次数过多，请稍后再试"


class Unavailable(AppError):
    status, code, message = 503, "unavailable", "服务暂时不可用，请稍后再试"
