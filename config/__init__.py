"""Typed, frozen configuration loaded from config/*.toml and HOTLINE_* environment variables."""
from config.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
