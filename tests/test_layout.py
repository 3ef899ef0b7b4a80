"""The house rules, checked on the source: one command layer, no cycles, data flows one way.

* click and ``monitor.cli`` are imported only inside ``monitor/cli/``: the stages
  stay usable (and testable) without the command line.
* The import graph of ``monitor`` has no cycle, lazy imports (inside functions)
  included: a cycle hidden by a late import is still a cycle. Imports under
  ``if TYPE_CHECKING:`` are left out: they never run.
* Each stage imports only the stages below it in ``STAGES``:
  models/errors -> rules -> config -> fetch -> extract -> discover -> identity and
  stories -> store -> digest -> pipeline -> daemon -> cli (see ``STAGES``).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "monitor"

# Lowest first. A module belongs to the first stage with a matching prefix; it may import
# its own stage (the cycle test keeps that acyclic) and any stage before it, never one after.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("monitor.errors", "monitor.models", "monitor.folding", "monitor.urls",
                    "monitor.toml_reader", "monitor.logs", "monitor.migrations", "monitor.lock",
                    "monitor.stopping")),
    ("relevance rules", ("monitor.classify",)),
    ("config", ("monitor.config",)),
    ("seed format", ("monitor.seedformat",)),
    ("fetch", ("monitor.polite", "monitor.fetch")),
    ("extract", ("monitor.extract",)),  # site adapters included: monitor.extract.adapters
    ("discover", ("monitor.discover",)),
    ("identity and stories", ("monitor.identity", "monitor.stories", "monitor.editions")),
    ("store", ("monitor.store",)),
    ("reading the store", ("monitor.status", "monitor.digest", "monitor.digest_formats", "monitor.digest_delivery",
                           "monitor.importer", "monitor.check", "monitor.report")),
    ("pipeline", ("monitor.pipeline", "monitor.backfill")),
    ("daemon and tools", ("monitor.schedule", "monitor.serve", "monitor.testing.sampleserver", "monitor.testing",
                          "monitor.demo")),
    ("commands", ("monitor.cli", "monitor.__main__")),
    ("the package", ("monitor",)),  # monitor/__init__.py only: a new module must be given a stage above
]


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, package): p for p in sorted(package.rglob("*.py"))}


@functools.cache
def monitor_graph() -> dict[str, set[str]]:
    """``graph()`` of the real package, built once for all the parametrized tests."""
    return graph()


def _runtime_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node except what sits under ``if TYPE_CHECKING:``."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def imports(path: Path, package: Path = PACKAGE, *, names: bool = True) -> set[str]:
    """Fully dotted names a file imports at run time (relative or absolute, lazy included).

    With ``names``, ``from a import b`` gives ``a.b`` too (b may be a submodule);
    without, only the modules the statements name (``a``), which must exist.
    """
    name = module_name(path, package)
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            if names:
                found.update(f"{target}.{alias.name}" for alias in node.names)  # submodules, if they are
    return found


def graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package modules importing it runs, parent packages included.

    Importing ``monitor.extract.text`` first runs ``monitor/extract/__init__.py``, so an
    import from outside a package is an edge to the package too.
    """
    known = modules(package)
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        targets: set[str] = set()
        for target in imports(path, package):
            parts = target.split(".")
            for size in range(1, len(parts) + 1):
                prefix = ".".join(parts[:size])
                if prefix in known and not (name == prefix or name.startswith(prefix + ".")):
                    targets.add(prefix)
        edges[name] = targets
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def stage_of(module: str) -> int:
    matches = [(len(prefix), index) for index, (_, prefixes) in enumerate(STAGES) for prefix in prefixes
               if module == prefix or (prefix != "monitor" and module.startswith(prefix + "."))]
    assert matches, f"{module} belongs to no stage: add it to STAGES in tests/test_layout.py"
    return max(matches)[1]  # the longest prefix decides


# ---------------------------------------------------------------- the rules


def _outside_cli() -> list[str]:
    """Every module but the command layer (and ``python -m monitor``, which runs it)."""
    return [name for name in modules()
            if not (name in ("monitor.cli", "monitor.__main__") or name.startswith("monitor.cli."))]


@pytest.mark.parametrize("name", _outside_cli())
def test_only_the_command_layer_imports_click_or_the_cli(name: str) -> None:
    found = imports(modules()[name])
    assert not {t for t in found if t == "click" or t.startswith("click.")}, f"{name} imports click"
    assert not {t for t in found if t == "monitor.cli" or t.startswith("monitor.cli.")}, f"{name} imports monitor.cli"


@pytest.mark.parametrize("name", sorted(modules()))
def test_every_monitor_module_imported_exists(name: str) -> None:
    """A lazy import of a moved module fails only when its function runs: catch it here."""
    missing = sorted(t for t in imports(modules()[name], names=False)
                     if (t == "monitor" or t.startswith("monitor.")) and t not in modules())
    assert not missing, f"{name} imports {missing}, which do not exist"


def test_the_import_graph_has_no_cycle() -> None:
    cycle = find_cycle(monitor_graph())
    assert cycle is None, " -> ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(modules()))
def test_stages_import_only_the_stages_below_them(name: str) -> None:
    own = stage_of(name)
    upward = sorted(t for t in monitor_graph()[name] if stage_of(t) > own)
    assert not upward, f"{name} ({STAGES[own][0]}) imports {upward}, from a later stage"


# ---------------------------------------------------------------- the checks themselves


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / "monitor" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "monitor"


def test_every_way_of_importing_is_seen(tmp_path: Path) -> None:
    package = write(tmp_path, {
        "__init__.py": "", "pipeline.py": "", "schedule.py": "", "cli/__init__.py": "",
        "discover/__init__.py": "", "discover/feeds.py": "",
        "discover/bad.py": "import click\ndef f():\n    from monitor.pipeline import poll\n    from ..cli import main\n"
                           "    from .. import schedule\n    from .feeds import parse_feed\n"
                           "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from monitor import store\n",
    })  # fmt: skip
    found = imports(package / "discover" / "bad.py", package)
    assert {"click", "monitor.pipeline", "monitor.cli", "monitor.schedule", "monitor.discover.feeds"} <= found
    assert "monitor.store" not in found  # types only: never runs
    assert graph(package)["monitor.discover.bad"] == {"monitor.pipeline", "monitor.cli", "monitor.schedule",
                                                      "monitor.discover.feeds"}


def test_a_cycle_through_a_lazy_import_or_a_parent_package_is_found(tmp_path: Path) -> None:
    package = write(tmp_path, {
        "__init__.py": "", "config.py": "def f():\n    from .classify import compile_rules\n",
        "classify.py": "from .config import Reader\n",
    })  # fmt: skip
    assert find_cycle(graph(package)) == ["monitor.classify", "monitor.config", "monitor.classify"]
    package = write(tmp_path / "two", {
        "__init__.py": "", "extract/__init__.py": "def f():\n    from monitor.adapters import get\n",
        "extract/text.py": "", "adapters/__init__.py": "from monitor.extract.text import clean\n",
    })  # fmt: skip
    assert find_cycle(graph(package)) == ["monitor.adapters", "monitor.extract", "monitor.adapters"]
