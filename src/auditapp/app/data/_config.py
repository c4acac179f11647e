"""The app config of the session and the "nothing configured" messages."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

from auditapp.config.model import AppConfig

__all__ = ["CONFIG_ENV", "SESSION_CONFIG_KEY", "config_path", "config_path_from_argv", "get_config",
           "missing_key_message"]

#: Environment variable holding the config path (set by ``serve``; tests may set it too).
CONFIG_ENV = "AUDITAPP_CONFIG"
#: Session-state key that, when it holds an ``AppConfig``, overrides the config file (notebooks, tests).
SESSION_CONFIG_KEY = "auditapp.config"

_KEY_HINTS = {
    "features": "one CSV per dataset, written by `auditapp feature-extraction`",
    "metrics": "one CSV per dataset, written by `auditapp metric-extraction`",
    "predictions": "per dataset, one folder of predictions per model",
    "raw_datasets": "per dataset, the folder of subject images and ground truth",
}


def config_path_from_argv(argv: list[str] | None = None) -> str | None:
    """The value of ``--config`` (or ``--config=...``) in ``argv`` (default ``sys.argv``), else None."""
    args = list(sys.argv if argv is None else argv)
    for i, arg in enumerate(args):
        if arg in ("--config", "-c") and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return None


def config_path() -> Path | None:
    """The config file of this server: ``--config`` after ``--`` on the command line, else ``$AUDITAPP_CONFIG``."""
    raw = config_path_from_argv() or os.environ.get(CONFIG_ENV)
    return Path(raw).expanduser().resolve() if raw else None


@st.cache_data(max_entries=8, show_spinner=False)
def _load_config(path: str, mtime_ns: int) -> AppConfig:
    from auditapp.config import load_app_config

    return load_app_config(path)


def get_config() -> AppConfig | None:
    """The app config of this session, or None when no config was given.

    ``st.session_state[SESSION_CONFIG_KEY]`` (an ``AppConfig``) wins; else the config file from
    :func:`config_path`, loaded once per modification time. Raises ``ConfigError`` for an invalid file and
    ``FileNotFoundError`` for a missing one.
    """
    override = st.session_state.get(SESSION_CONFIG_KEY)
    if isinstance(override, AppConfig):
        return override
    path = config_path()
    if path is None:
        return None
    if not path.is_file():
        raise FileNotFoundError(f"Config file not found: {path}")
    return _load_config(str(path), path.stat().st_mtime_ns)


def missing_key_message(key: str) -> str:
    """The "nothing configured" sentence of dashboard.md §3 for an app.yaml key."""
    hint = _KEY_HINTS.get(key, "see the documentation")
    return f"No {key.replace('_', ' ')} configured. Add `{key}:` to app.yaml ({hint})."
