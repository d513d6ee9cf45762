"""The casework lifetimes: the database, the full-text indexer beside it, and the services on top."""
from __future__ import annotations

import asyncio
from typing import AsyncIterator
from zoneinfo import ZoneInfo

from aiohttp import web

from casework.accounts.service import AccountService
from casework.attachments.service import AttachmentService
from casework.cases.service import CaseService
from casework.db.database import Database
from casework.insight.hotspots import prepare as prepare_segmenter
from casework.insight.service import InsightService
from casework.insight.workers import WorkerPool
from casework.knowledge.service import KnowledgeService
from casework.reference.service import ReferenceService
from casework.search.indexer import SearchIndexer
from web.background import supervised
from web.keys import CLOCK, DATABASE, READY, SEARCH_INDEX, SERVICES, SETTINGS, Services


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = Database(settings.storage.database_path, readers=settings.storage.reader_connections,
                  tz=ZoneInfo(settings.casework.timezone))
    await db.open()
    app[DATABASE] = db
    try:
        yield
    finally:
        await db.close()


async def search_index_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cases reach the full-text index a moment after registration (casework/search/indexer.py)."""
    indexer = app[SEARCH_INDEX] = SearchIndexer(app[DATABASE], app[SETTINGS].casework.search_index_seconds)
    task = asyncio.get_running_loop().create_task(supervised("case-search-indexer", indexer.run),
                                                  name="case-search-indexer")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def services_ctx(app: web.Application) -> AsyncIterator[None]:
    """The services; the insight worker processes (each with jieba ready) end with them."""
    settings, db, clock = app[SETTINGS], app[DATABASE], app[CLOCK]
    reference, workers = ReferenceService(db), WorkerPool(warm=prepare_segmenter)
    app[SERVICES] = Services(
        accounts=AccountService(db, clock, settings.security),
        reference=reference,
        cases=CaseService(db, clock, reference, settings.casework.due_soon_days),
        knowledge=KnowledgeService(db, clock),
        attachments=AttachmentService(db, clock, settings.storage.attachments_dir, settings.uploads),
        insight=InsightService(db, clock, workers, settings.casework.due_soon_days),
    )
    app[READY].ready = True
    try:
        yield
    finally:
        app[READY].ready = False
        await workers.close()
