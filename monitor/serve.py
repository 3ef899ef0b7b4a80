"""Behind ``monitor serve``: browse the store in Datasette with the bundled metadata.

Datasette opens the file read-only (no write plugins are installed), so it can
run beside ``monitor run`` writing to the same WAL database. The metadata
(``monitor/datasette/metadata.json``) describes every table and column, sets
facets, sorting and search, and holds the canned queries; it is written for a
database named ``monitor`` (a file called ``monitor.db``), so for any other
file name this module re-keys it.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import tempfile
from pathlib import Path
from typing import Any

from .errors import ConfigError

METADATA = Path(__file__).with_name("datasette") / "metadata.json"
DB_NAME = "monitor"  # the database name metadata.json is written for
# Long bodies would fill table pages; row pages still show every character. The timeline canned
# query returns one row per outlet and month since 2017 (14 outlets x 120 months > the default 1000).
SETTINGS = (("truncate_cells_html", "160"), ("max_returned_rows", "5000"))


def metadata_for(db_path: Path) -> dict[str, Any]:
    """The bundled metadata, keyed by the name Datasette gives ``db_path`` (its stem)."""
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    name = db_path.stem
    if name != DB_NAME:
        metadata["databases"] = {name: metadata["databases"].pop(DB_NAME)}
        metadata["description_html"] = metadata["description_html"].replace(f'"/{DB_NAME}/', f'"/{name}/')
    return metadata


def datasette_args(db_path: Path, metadata_path: Path, *, host: str, port: int) -> list[str]:
    """Arguments for ``datasette`` (after the program name)."""
    args = ["serve", str(db_path), "--metadata", str(metadata_path), "--host", host, "--port", str(port)]
    for name, value in SETTINGS:
        args += ["--setting", name, value]
    return args


def plain_command(db_path: Path, *, host: str = "127.0.0.1", port: int = 8001) -> str:
    """The equivalent plain ``datasette`` command line (exact for a file named monitor.db)."""
    return shlex.join(["datasette", *datasette_args(db_path, METADATA, host=host, port=port)])


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for a server started right after)."""
    with socket.create_server((host, 0)) as sock:
        return int(sock.getsockname()[1])


def check_port(host: str, port: int) -> None:
    """Fail before announcing anything when the address cannot be served (in use, not ours)."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise ConfigError(f"--host/--port: cannot serve on {host}:{port}: {reason}") from None


def run_datasette(db_path: Path, *, host: str, port: int) -> None:
    """Serve until interrupted (Datasette's own command, in this process)."""
    from datasette.cli import cli as datasette_cli

    with tempfile.TemporaryDirectory(prefix="monitor-serve-") as folder:
        metadata_path = METADATA
        if db_path.stem != DB_NAME:
            metadata_path = Path(folder) / "metadata.json"
            metadata_path.write_text(json.dumps(metadata_for(db_path), ensure_ascii=False), encoding="utf-8")
        datasette_cli.main(args=datasette_args(db_path, metadata_path, host=host, port=port),
                           prog_name="datasette", standalone_mode=False)
