"""Typed reading of TOML tables, with errors that name file, line and dotted key.

Below both ``config`` and ``classify`` (which validates the ``[relevance]`` table
with the same errors), so neither has to import the other to report a bad value.
"""

from __future__ import annotations

import difflib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterable, Protocol

from .errors import ConfigError

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ErrorSource(Protocol):
    """What a Reader reports through: a :class:`Source`, or one that picks the file a key came from."""

    def error(self, dotted: str, expected: str, got: Any = None, *, show_got: bool = True,
              unknown: bool = False) -> ConfigError: ...


class Reader:
    """Typed access to one TOML table, raising errors that name file, line and key."""

    def __init__(self, data: dict[str, Any], where: str, source: ErrorSource):
        self.data = data
        self.where = where  # dotted path of this table ("" for the root)
        self.source = source
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def fail(self, name: str, expected: str, got: Any = None, *, show_got: bool = True) -> ConfigError:
        return self.source.error(self.key(name), expected, got, show_got=show_got)

    def has(self, name: str) -> bool:
        return name in self.data

    def _get(self, name: str, default: Any, required: bool) -> Any:
        self.used.add(name)
        if name not in self.data:
            if required:
                raise self.source.error(self.key(name), "a value (this key is required)", show_got=False)
            return default
        return self.data[name]

    def text(self, name: str, default: Any = None, *, required: bool = False) -> Any:
        value = self._get(name, default, required)
        if value is default and name not in self.data:
            return value
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, "a non-empty string", value)
        return value.strip()

    def flag(self, name: str, default: bool) -> bool:
        value = self._get(name, default, False)
        if not isinstance(value, bool):
            raise self.fail(name, "true or false", value)
        return value

    def whole(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self._get(name, default, False)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(name, f"a whole number >= {minimum}", value)
        return value

    def number(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        value = self._get(name, default, False)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise self.fail(name, f"a number >= {minimum:g}", value)
        return float(value)

    def str_list(self, name: str) -> tuple[str, ...]:
        value = self._get(name, [], False)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(name, "a list of strings", value)
        return tuple(v.strip() for v in value)

    def duration(self, name: str, default: timedelta | None) -> timedelta | None:
        value = self._get(name, None, False)
        if value is None:
            return default
        parsed = parse_interval(value) if isinstance(value, str) else None
        if parsed is None:
            raise self.fail(name, 'a duration like "90s", "20m", "6h" or "2d"', value)
        return parsed

    def table(self, name: str, *, required: bool = False) -> "Reader | None":
        value = self._get(name, None, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(name, "a table", value)
        return Reader(value, self.key(name), self.source)

    def check_unknown(self, allowed: Iterable[str] | None = None) -> None:
        allowed_set = set(allowed) if allowed is not None else self.used
        for name in self.data:
            if name not in allowed_set:
                close = difflib.get_close_matches(name, sorted(allowed_set), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                known = "section" if isinstance(self.data[name], dict) else "key"
                raise self.source.error(self.key(name), f"a known {known}{hint}", self.data[name], show_got=False,
                                        unknown=True)


class Source:
    """The config file's text, so errors can point at a line."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, dotted: str) -> int | None:
        """Best-effort line number of a dotted key (tomllib does not keep positions)."""
        parts = dotted.split(".")
        for split in range(len(parts), -1, -1):  # a whole table first: [dedupe]
            header, rest = parts[:split], parts[split:]
            start = self._header_line(header) if header else 0
            if start is None:
                continue
            if not rest:
                return start + 1
            key_re = re.compile(r"^\s*" + re.escape(rest[0]) + r"\s*=")
            for number in range(start, len(self.lines)):
                line = self.lines[number]
                if number > start and line.lstrip().startswith("[") and header:
                    break
                if key_re.match(line):
                    return number + 1
            return start + 1 if header else None
        return None

    def _header_line(self, header: list[str]) -> int | None:
        """The line of ``[a.b]``, else of its first sub-table ``[a.b.c]`` (a section given only by those)."""
        want = ".".join(header)
        first_child = None
        for number, line in enumerate(self.lines):
            match = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
            name = match.group(1).replace('"', "").replace("'", "").replace(" ", "") if match else None
            if name == want:
                return number
            if first_child is None and name and name.startswith(want + "."):
                first_child = number
        return first_child

    def error(self, dotted: str, expected: str, got: Any = None, *, show_got: bool = True, unknown: bool = False) -> ConfigError:
        line = self.line_of(dotted)
        place = f"{self.path.name}:{line}" if line else self.path.name
        if unknown:
            kind = "section" if isinstance(got, dict) else "key"
            return ConfigError(f"{place}: {dotted}: unknown {kind}, expected {expected}")
        detail = f", got {_show(got)}" if show_got else ""
        return ConfigError(f"{place}: {dotted}: expected {expected}{detail}")


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def parse_interval(text: str) -> timedelta | None:
    match = _INTERVAL.match(text)
    if not match or float(match.group(1)) <= 0:
        return None
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


