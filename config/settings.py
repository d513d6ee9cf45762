"""One frozen settings object; every component receives what it needs from it, nothing reads files later."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

DEFAULT_FILE = Path(__file__).with_name("default.toml")


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class StorageSettings:
    data_dir: Path = Path("var/data")
    reader_connections: int = 2

    @property
    def database_path(self) -> Path:
        return self.data_dir / "hotline.sqlite3"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"


@dataclass(frozen=True)
class UploadSettings:
    max_bytes: int = 20 * 1024 * 1024
    allowed_extensions: frozenset[str] = frozenset({"jpg", "png", "pdf", "txt"})


@dataclass(frozen=True)
class SecuritySettings:
    session_hours: int = 12
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    cookie_secure: bool = False
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4


@dataclass(frozen=True)
class CaseworkSettings:
    timezone: str = "Asia/Shanghai"
    due_soon_days: int = 3
    search_index_seconds: float = 1.0  # how often new cases are added to the full-text index, in one batch


@dataclass(frozen=True)
class PbxSettings:
    """The Asterisk AMI link. `simulate` starts the built-in PBX simulator on host:port instead of a real PBX."""
    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "hotline"
    secret: str = "hotline"
    simulate: bool = False
    hotline_numbers: tuple[str, ...] = ("12345",)
    queues: tuple[str, ...] = ("hotline",)
    ping_interval: float = 5.0
    ping_timeout: float = 3.0
    action_timeout: float = 5.0
    reconnect_min: float = 0.5
    reconnect_max: float = 15.0
    event_queue_size: int = 10000
    enabled: bool = True
    sim_agents: int = 6
    sim_calls_per_hour: float = 30.0
    wrapup_seconds: int = 30
    wrapup_pause: bool = True
    outbound_context: str = "from-internal"
    phone_technology: str = "PJSIP"
    member_interface: str = ""  # queue member per extension, e.g. "Local/{ext}@from-queue/n"; "" = the phone


@dataclass(frozen=True)
class RecordingSettings:
    """Recordings (issue 6). Empty folders switch their watcher off; `ffmpeg` empty means the binary
    shipped by imageio-ffmpeg, "system" the one on PATH, anything else a path to an ffmpeg binary."""
    wma_dir: Path | None = None
    pbx_dir: Path | None = None
    cache_dir: Path | None = None
    tolerance_seconds: int = 30
    retention_days: int = 730
    ffmpeg: str = ""
    pool_size: int = 2
    timeout_seconds: float = 120.0
    poll_seconds: float = 2.0
    settle_seconds: float = 3.0
    match_grace_seconds: float = 600.0


@dataclass(frozen=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    uploads: UploadSettings = field(default_factory=UploadSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    casework: CaseworkSettings = field(default_factory=CaseworkSettings)
    pbx: PbxSettings = field(default_factory=PbxSettings)
    recordings: RecordingSettings = field(default_factory=RecordingSettings)

    def with_overrides(self, *, host: str | None = None, port: int | None = None,
                       data_dir: str | Path | None = None) -> "Settings":
        """Command-line flags win over files and environment."""
        server = replace(self.server, **{k: v for k, v in (("host", host), ("port", port)) if v is not None})
        storage = self.storage if data_dir is None else replace(self.storage, data_dir=Path(data_dir))
        return replace(self, server=server, storage=storage)


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """HOTLINE_SECTION__KEY=value, e.g. HOTLINE_SERVER__PORT=9000."""
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith("HOTLINE_") or "__" not in name:
            continue
        section, key = name[len("HOTLINE_"):].lower().split("__", 1)
        out.setdefault(section, {})[key] = value
    return out


def _flag(value: object) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def _strings(value: object, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    items = value.split(",") if isinstance(value, str) else value
    return tuple(str(x).strip() for x in items if str(x).strip())


def _pbx(p: dict[str, Any]) -> PbxSettings:
    d = PbxSettings()
    return PbxSettings(
        host=str(p.get("host", d.host)), port=int(p.get("port", d.port)), username=str(p.get("username", d.username)),
        secret=str(p.get("secret", d.secret)), simulate=_flag(p.get("simulate", d.simulate)),
        hotline_numbers=_strings(p.get("hotline_numbers"), d.hotline_numbers),
        queues=_strings(p.get("queues"), d.queues), ping_interval=float(p.get("ping_interval", d.ping_interval)),
        ping_timeout=float(p.get("ping_timeout", d.ping_timeout)),
        action_timeout=float(p.get("action_timeout", d.action_timeout)),
        reconnect_min=float(p.get("reconnect_min", d.reconnect_min)),
        reconnect_max=float(p.get("reconnect_max", d.reconnect_max)),
        event_queue_size=int(p.get("event_queue_size", d.event_queue_size)),
        enabled=_flag(p.get("enabled", d.enabled)), sim_agents=int(p.get("sim_agents", d.sim_agents)),
        sim_calls_per_hour=float(p.get("sim_calls_per_hour", d.sim_calls_per_hour)),
        wrapup_seconds=int(p.get("wrapup_seconds", d.wrapup_seconds)),
        wrapup_pause=_flag(p.get("wrapup_pause", d.wrapup_pause)),
        outbound_context=str(p.get("outbound_context", d.outbound_context)),
        phone_technology=str(p.get("phone_technology", d.phone_technology)),
        member_interface=str(p.get("member_interface", d.member_interface)))


def _folder(value: object) -> Path | None:
    return Path(str(value)) if value not in (None, "") else None


def _recordings(r: dict[str, Any]) -> RecordingSettings:
    d = RecordingSettings()
    return RecordingSettings(
        wma_dir=_folder(r.get("wma_dir")), pbx_dir=_folder(r.get("pbx_dir")), cache_dir=_folder(r.get("cache_dir")),
        tolerance_seconds=int(r.get("tolerance_seconds", d.tolerance_seconds)),
        retention_days=int(r.get("retention_days", d.retention_days)), ffmpeg=str(r.get("ffmpeg", d.ffmpeg)),
        pool_size=max(1, int(r.get("pool_size", d.pool_size))),
        timeout_seconds=float(r.get("timeout_seconds", d.timeout_seconds)),
        poll_seconds=float(r.get("poll_seconds", d.poll_seconds)),
        settle_seconds=float(r.get("settle_seconds", d.settle_seconds)),
        match_grace_seconds=float(r.get("match_grace_seconds", d.match_grace_seconds)))


def _build(raw: dict[str, Any]) -> Settings:
    s, st, up, sec, cw = (raw.get(k, {}) for k in ("server", "storage", "uploads", "security", "casework"))
    return Settings(
        server=ServerSettings(host=str(s.get("host", "127.0.0.1")), port=int(s.get("port", 8080))),
        storage=StorageSettings(data_dir=Path(st.get("data_dir", "var/data")),
                                reader_connections=int(st.get("reader_connections", 2))),
        uploads=UploadSettings(
            max_bytes=int(up.get("max_bytes", 20 * 1024 * 1024)),
            allowed_extensions=frozenset(str(e).lower() for e in up.get("allowed_extensions", ["pdf"]))),
        security=SecuritySettings(
            session_hours=int(sec.get("session_hours", 12)),
            login_max_failures=int(sec.get("login_max_failures", 5)),
            login_lock_minutes=int(sec.get("login_lock_minutes", 15)),
            cookie_secure=_flag(sec.get("cookie_secure", "false")),
            argon2_time_cost=int(sec.get("argon2_time_cost", 3)),
            argon2_memory_kib=int(sec.get("argon2_memory_kib", 65536)),
            argon2_parallelism=int(sec.get("argon2_parallelism", 4))),
        casework=CaseworkSettings(timezone=str(cw.get("timezone", "Asia/Shanghai")),
                                  due_soon_days=int(cw.get("due_soon_days", 3)),
                                  search_index_seconds=max(0.05, float(cw.get("search_index_seconds", 1.0)))),
        pbx=_pbx(raw.get("pbx", {})),
        recordings=_recordings(raw.get("recordings", {})),
    )


def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    raw = tomllib.loads(DEFAULT_FILE.read_text("utf-8"))
    extra_file = path or environ.get("HOTLINE_CONFIG")
    if extra_file:
        raw = _merge(raw, tomllib.loads(Path(extra_file).read_text("utf-8")))
    return _build(_merge(raw, _from_env(environ)))
