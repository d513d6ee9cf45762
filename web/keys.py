"""Typed application keys: everything the handlers reach through `request.app`."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web

from agent_desk.bridge import DeskBridge
from agent_desk.hub import Hub
from casework.accounts.service import AccountService
from casework.attachments.service import AttachmentService
from casework.cases.service import CaseService
from casework.clock import Clock
from casework.db.database import Database
from casework.insight.service import InsightService
from casework.knowledge.service import KnowledgeService
from casework.reference.service import ReferenceService
from casework.search.indexer import SearchIndexer
from config.settings import Settings
from recordings.service import RecordingService
from telephony.stack import Telephony


@dataclass(frozen=True)
class Services:
    accounts: AccountService
    reference: ReferenceService
    cases: CaseService
    knowledge: KnowledgeService
    attachments: AttachmentService
    insight: InsightService


SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
DATABASE = web.AppKey("database", Database)
SEARCH_INDEX = web.AppKey("search_index", SearchIndexer)
SERVICES = web.AppKey("services", Services)
TELEPHONY = web.AppKey("telephony", Telephony)
RECORDINGS = web.AppKey("recordings", RecordingService)
RECORDING_TASKS = web.AppKey("recording_tasks", list[asyncio.Task[None]])


@dataclass
class Desk:
    hub: Hub
    bridge: DeskBridge


DESK = web.AppKey("desk", Desk)


@dataclass
class Readiness:
    """Flipped by the lifetime hooks; /healthz reads it."""
    ready: bool = False


READY = web.AppKey("ready", Readiness)
