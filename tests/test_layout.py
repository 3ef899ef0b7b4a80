"""Data flows one way: the stages never reach back into the wiring or the commands.

schedule/cli -> pipeline -> discover -> fetch -> extract -> normalise -> classify -> store -> digest.
A stage module importing ``pipeline``, ``schedule``, ``cli`` or a command module would
make it untestable on its own and invite import cycles; this test keeps that from creeping in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"
STAGES = [
    "models", "errors", "urls", "normalise", "fetch", "polite", "discover", "extract", "adapters",
    "classify", "dedupe", "stories", "store", "migrations",
]
WIRING = {"pipeline", "schedule", "cli", "digest", "digest_formats", "demo", "serve", "check",
          "importer", "status", "lock", "stories_cli", "sampleserver"}


def stage_files() -> list[Path]:
    files = []
    for name in STAGES:
        path = PACKAGE / name
        files.extend(sorted(path.glob("*.py")) if path.is_dir() else [path.with_suffix(".py")])
    return files


def imported_monitor_modules(path: Path, package: Path = PACKAGE) -> set[str]:
    """Top-level monitor modules a file imports (relative or absolute, lazy imports included)."""
    here = list(path.relative_to(package).parent.parts)  # the file's sub-package, [] at top level
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("monitor."))
        elif isinstance(node, ast.ImportFrom):
            module = (node.module or "").split(".") if node.module else []
            if node.level == 0:
                if not module or module[0] != "monitor":
                    continue
                full = module[1:]
            else:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                full = base + module
            found.update([full[0]] if full else [alias.name for alias in node.names])
    return found


@pytest.mark.parametrize("path", stage_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_stages_do_not_import_the_wiring(path: Path) -> None:
    assert path.exists()
    assert not imported_monitor_modules(path) & WIRING


def test_the_check_sees_violations_however_written(tmp_path: Path) -> None:
    (tmp_path / "discover").mkdir()
    bad = tmp_path / "discover" / "bad.py"
    bad.write_text("def f():\n    from monitor.pipeline import poll\n    from ..cli import main\n"
                   "    from .. import schedule\n    from .feeds import parse_feed\n")
    assert imported_monitor_modules(bad, tmp_path) == {"pipeline", "cli", "schedule", "discover"}
