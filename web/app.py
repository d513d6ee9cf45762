"""The composition root: `create_app(settings)` builds the application and owns every lifetime.

Nothing below web/ knows about HTTP: the handlers (web/handlers), the pages (web/pages) and the
cleanup contexts (web/lifetimes) that start and end each package's resources all live here.
"""
from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from casework.clock import Clock, system_clock
from config.settings import Settings
from web.api import ApiRoutes, openapi_document
from web.handlers import accounts, attachments, cases, desk, knowledge, recordings, reference, telephony
from web.keys import CLOCK, READY, SEARCH_INDEX, SETTINGS, TELEPHONY, Readiness
from web.lifetimes.casework import database_ctx, search_index_ctx, services_ctx
from web.lifetimes.desk import desk_ctx
from web.lifetimes.recordings import recordings_ctx
from web.lifetimes.telephony import telephony_ctx
from web.middleware import errors, security_headers, sessions
from web.pages import (admin, appraisal, auth, case_detail, desk as desk_pages, insight, intake, knowledge as
                       knowledge_pages, lists, printing, public, recordings as recording_pages)
from web.render import TEMPLATES, make_environment
from web.request import respond
from web.throttle import PUBLIC_GUARD, PublicGuard

API_TABLES: list[ApiRoutes] = [accounts.routes, reference.routes, cases.routes, cases.public, attachments.routes,
                               knowledge.routes, telephony.routes, desk.routes, recordings.routes]
UPLOAD_SLACK = 1024 * 1024
STATIC_DIR = Path(__file__).with_name("static")
PAGE_MODULES = (auth, lists, case_detail, intake, printing, knowledge_pages, admin, public, insight, desk_pages,
                appraisal, recording_pages)
LIFETIMES = (database_ctx, search_index_ctx, services_ctx, telephony_ctx, desk_ctx, recordings_ctx)


async def healthz(request: web.Request) -> web.Response:
    if not request.app[READY].ready:
        return respond({"status": "starting"}, status=503)
    return respond({"status": "ok", "pbx": request.app[TELEPHONY].health(),
                    "search": {"waiting": await request.app[SEARCH_INDEX].waiting()}})


async def openapi(request: web.Request) -> web.Response:
    return respond(openapi_document(API_TABLES))


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(middlewares=[security_headers, errors, sessions],
                          client_max_size=settings.uploads.max_bytes + UPLOAD_SLACK)
    app[SETTINGS] = settings
    app[READY] = Readiness()
    app[PUBLIC_GUARD] = PublicGuard()
    app[CLOCK] = clock or system_clock(ZoneInfo(settings.casework.timezone))
    app.cleanup_ctx.extend(LIFETIMES)
    for table in API_TABLES:
        table.install(app)
    app[TEMPLATES] = make_environment()
    for module in PAGE_MODULES:
        app.router.add_routes(module.routes)
    app.router.add_routes(desk.socket_routes)
    app.router.add_static("/static", STATIC_DIR)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/v1/openapi.json", openapi)
    return app
