"""The application factory: one `create_app(settings)` that owns every resource's lifetime."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import AsyncIterator
from zoneinfo import ZoneInfo

from aiohttp import web

from casework.accounts.http import routes as account_routes
from casework.accounts.service import AccountService
from casework.attachments.http import routes as attachment_routes
from casework.attachments.service import AttachmentService
from casework.cases.http import public as public_routes, routes as case_routes
from casework.cases.service import CaseService
from casework.clock import Clock, system_clock
from casework.db.database import Database
from casework.knowledge.http import routes as knowledge_routes
from casework.knowledge.service import KnowledgeService
from casework.reference.http import routes as reference_routes
from casework.reference.service import ReferenceService
from casework.search.indexer import SearchIndexer
from agent_desk import pages as desk_pages
from agent_desk.http import routes as desk_routes, socket_routes
from agent_desk.runtime import desk_ctx
import recordings
from recordings.http import routes as recording_routes
from telephony.http import routes as telephony_routes
from telephony.runtime import TELEPHONY, telephony_ctx
from config.settings import Settings
from web.api import ApiRoutes, openapi_document
from web.background import supervised
from web.keys import CLOCK, DATABASE, READY, SEARCH_INDEX, SERVICES, SETTINGS, Readiness, Services
from web.middleware import errors, security_headers, sessions
from web.pages import admin, appraisal, auth, case_detail, insight, intake, knowledge, lists, printing, public
from web.render import TEMPLATES, make_environment
from web.request import respond
from web.throttle import PUBLIC_GUARD, PublicGuard

API_TABLES: list[ApiRoutes] = [account_routes, reference_routes, case_routes, public_routes, attachment_routes,
                               knowledge_routes, telephony_routes, desk_routes, recording_routes]
UPLOAD_SLACK = 1024 * 1024
STATIC_DIR = Path(__file__).with_name("static")
PAGE_MODULES = (auth, lists, case_detail, intake, printing, knowledge, admin, public, insight, desk_pages, appraisal)


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = Database(settings.storage.database_path, readers=settings.storage.reader_connections,
                  tz=ZoneInfo(settings.casework.timezone))
    await db.open()
    app[DATABASE] = db
    try:
        yield
    finally:
        await db.close()


async def _search_index(app: web.Application) -> AsyncIterator[None]:
    """Cases reach the full-text index a moment after registration (casework/search/indexer.py)."""
    indexer = app[SEARCH_INDEX] = SearchIndexer(app[DATABASE], app[SETTINGS].casework.search_index_seconds)
    task = asyncio.get_running_loop().create_task(supervised("case-search-indexer", indexer.run),
                                                  name="case-search-indexer")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _services(app: web.Application) -> AsyncIterator[None]:
    settings, db, clock = app[SETTINGS], app[DATABASE], app[CLOCK]
    reference = ReferenceService(db)
    app[SERVICES] = Services(
        accounts=AccountService(db, clock, settings.security),
        reference=reference,
        cases=CaseService(db, clock, reference, settings.casework.due_soon_days),
        knowledge=KnowledgeService(db, clock),
        attachments=AttachmentService(db, clock, settings.storage.attachments_dir, settings.uploads),
    )
    app[READY].ready = True
    yield
    app[READY].ready = False


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
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_search_index)
    app.cleanup_ctx.append(_services)
    app.cleanup_ctx.append(telephony_ctx)
    app.cleanup_ctx.append(desk_ctx)
    for table in API_TABLES:
        table.install(app)
    app[TEMPLATES] = make_environment()
    for module in PAGE_MODULES:
        app.router.add_routes(module.routes)
    app.router.add_routes(socket_routes)
    app.router.add_static("/static", STATIC_DIR)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/v1/openapi.json", openapi)
    recordings.setup(app)
    return app
