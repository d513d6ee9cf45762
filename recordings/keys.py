"""Typed application keys of the recordings module (kept apart so handlers and setup share them without cycles)."""
from __future__ import annotations

import asyncio

from aiohttp import web

from recordings.service import RecordingService

RECORDINGS = web.AppKey("recordings", RecordingService)
RECORDING_TASKS = web.AppKey("recording_tasks", list[asyncio.Task[None]])
SET_UP = web.AppKey("recordings_set_up", bool)


def recording_service(request: web.Request) -> RecordingService:
    return request.app[RECORDINGS]
