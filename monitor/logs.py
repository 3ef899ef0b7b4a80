"""Logging setup, done once by the CLI: quiet by default, JSON on request.

Library modules only call ``logging.getLogger(__name__)``; the outlet a line is about
travels in ``extra={"outlet": key}`` and shows up in both formats.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

_NOISY = ("httpx", "httpcore", "apscheduler", "asyncio", "datasette", "uvicorn")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("outlet", "url", "event"):
            value = getattr(record, key, None)
            if value is not None:
                payload[key] = value
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        outlet = getattr(record, "outlet", None)
        prefix = f"[{outlet}] " if outlet else ""
        line = f"{record.levelname.lower()}: {prefix}{record.getMessage()}"
        if record.exc_info and record.levelno >= logging.ERROR:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup(verbosity: int = 0, fmt: str = "text") -> None:
    """verbosity: -1 quiet (errors), 0 warnings, 1 info, 2 debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party INFO lines (one per request, per job) drown ours; show them only at -vv.
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
