"""The command line end to end: real subprocesses, a real SQLite file, the real seeds."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
RAW = SEEDS / "000_10ea589a1fae356f.txt"
NORMALISED = SEEDS / "001_319918b101c2d455.txt"
RAW_URL = "https://www.telesurenglish.net/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html"


def monitor(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--db", str(db), *args],
        capture_output=True, text=True, input=stdin, timeout=120, cwd=db.parent,
    )


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_import_both_seeds_then_export_and_reimport(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    first = monitor(db, "import", str(NORMALISED))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "imported 1 (1 new, 0 duplicates)"
    raw = monitor(db, "import", "--url", RAW_URL, str(RAW))
    assert raw.stdout.strip() == "imported 1 (1 new, 0 duplicates)"

    items = rows(db, "SELECT outlet, language, title, caption, relevant FROM items ORDER BY seq")
    assert items == [
        ("rhc-en", "en", "Cuba strengthened confrontation with human trafficking", "ilustrativo", 1),
        ("telesur-en", "en", "Cuba Rejects US False Accusation on Human Trafficking",
         'The sign reads, "No more blockade", Havana, Cuba, Jun. 20, 2021. | Photo: EFE', 1),
    ]
    body = rows(db, "SELECT body FROM items WHERE outlet = 'telesur-en'")[0][0]
    assert body.startswith("Published 4 July 2021\n\nCuba diplomacy warned")
    assert "Post with no comments" not in body and "Blinken Says" not in body and "News > Cuba" not in body

    again = monitor(db, "import", str(SEEDS))  # the folder: 001 again, 000 skipped without --url
    assert again.returncode == 1
    assert again.stdout.strip() == "imported 1 (0 new, 1 duplicates), 1 skipped"
    assert "000_10ea589a1fae356f.txt: a raw page dump carries no URL" in again.stderr
    assert rows(db, "SELECT COUNT(*), SUM(version) FROM items") == [(2, 2)]

    out = tmp_path / "out"
    exported = monitor(db, "export", str(out))
    assert exported.stdout.strip() == f"exported 2 to {out} (2 written, 0 unchanged)"
    files = sorted(p.name for p in out.iterdir())
    ids = [r[0] for r in rows(db, "SELECT id FROM items ORDER BY seq")]
    assert files == [f"000_{ids[0]}.txt", f"001_{ids[1]}.txt"]
    assert (out / files[0]).read_bytes() == NORMALISED.read_bytes()  # the stored text, byte for byte
    stored = rows(db, "SELECT text FROM items ORDER BY seq")
    assert [(out / f).read_text(encoding="utf-8") for f in files] == [t for (t,) in stored]

    second = monitor(db, "export", str(out))
    assert second.stdout.strip() == f"exported 2 to {out} (0 written, 2 unchanged)"
    assert sorted(p.name for p in out.iterdir()) == files  # no duplicates on re-export


def test_url_with_several_files_is_a_usage_error(tmp_path: Path) -> None:
    result = monitor(tmp_path / "s.db", "import", "--url", RAW_URL, str(SEEDS))
    assert result.returncode == 2
    assert "--url names the page of one raw document, but 2 files were given" in result.stderr


def test_export_only_relevant_unless_all(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    doc = NORMALISED.read_text(encoding="utf-8")
    boring = (
        doc.replace("Cuba strengthened confrontation with human trafficking", "Havana hosts a chess festival")
        .split("**ilustrativo**")[0]
        + "Havana, December 21 (RHC) -- The city opened its yearly chess festival.\n\n---\n\n"
        "<https://www.radiohc.cu/en/noticias/cultura/280481-havana-hosts-a-chess-festival>\n\n\n\n**Radio Habana Cuba**"
    )
    (tmp_path / "boring.txt").write_text(boring, encoding="utf-8")
    assert monitor(db, "import", str(NORMALISED), str(tmp_path / "boring.txt")).returncode == 0
    assert "exported 1 " in monitor(db, "export", str(tmp_path / "rel")).stdout
    assert "exported 2 " in monitor(db, "export", "--all", str(tmp_path / "all")).stdout
    assert "exported 0 " in monitor(db, "export", "--since", "2999-01-01", str(tmp_path / "none")).stdout


def test_classify_json_names_the_rule_and_text(tmp_path: Path) -> None:
    result = monitor(tmp_path / "s.db", "classify", "--json", stdin="Cuba rechaza la trata de personas.")
    data = json.loads(result.stdout)
    assert data["relevant"] is True and data["score"] >= 3
    assert {"rule": "trata-de-personas", "text": "trata de personas"} in [
        {"rule": h["rule"], "text": h["text"]} for h in data["hits"]
    ]
    trap = monitor(tmp_path / "s.db", "classify", "--json", stdin="En el consultorio se trata de personas mayores.")
    assert json.loads(trap.stdout) == {"relevant": False, "band": "not", "score": 0.0, "hits": [], "reasons": []}
    assert not (tmp_path / "s.db").exists()  # classifying text touches no store


@pytest.mark.parametrize(
    ("text", "band", "printed"),
    [
        ("Cuba rechaza la trata de personas.", "relevant", "relevant (score 3)"),
        ("Smugglers and traffickers came back.", "possibly", "possibly relevant (score 2)"),
        ("El consejo aprobó el presupuesto.", "not", "not relevant (score 0)"),
    ],
)
def test_classify_shows_the_band_and_why_it_is_unsure(tmp_path: Path, text: str, band: str, printed: str) -> None:
    as_json = json.loads(monitor(tmp_path / "s.db", "classify", "--json", stdin=text).stdout)
    assert (as_json["band"], as_json["relevant"]) == (band, band == "relevant")
    lines = monitor(tmp_path / "s.db", "classify", stdin=text).stdout.splitlines()
    assert lines[0] == printed
    if band == "possibly":
        assert as_json["reasons"] == ["only weak words"] and "  why not sure: only weak words" in lines


def test_label_then_reclassify_reports_where_the_rules_disagree(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    monitor(db, "import", str(NORMALISED))
    ((item_id, title),) = rows(db, "SELECT id, title FROM items")
    said = monitor(db, "label", item_id[:8], "not")
    assert said.returncode == 0, said.stderr
    assert said.stdout.strip() == f"labelled {item_id} not; the rules say relevant (disagree): {title}"
    assert rows(db, "SELECT item_id, label FROM labels") == [(item_id, "not")]
    report = monitor(db, "reclassify").stdout.splitlines()
    assert report[0].endswith("; the rules disagree with 1 of your 1 labels")
    assert report[1].startswith(f"  {item_id}  you: not, rules: relevant, score ")
    monitor(db, "label", item_id, "relevant")  # the latest label wins
    assert rows(db, "SELECT label FROM labels") == [("relevant",)]
    assert "disagree with 0 of your 1 labels" in monitor(db, "reclassify").stdout
    unknown = monitor(db, "label", "ffffffffffff", "relevant")
    assert unknown.returncode == 2 and "no stored item matches 'ffffffffffff'" in unknown.stderr


def test_reclassify_reports_what_changed(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    monitor(db, "import", str(NORMALISED))
    config = tmp_path / "strict.toml"
    bundled = (ROOT / "config.toml").read_text(encoding="utf-8")
    config.write_text(bundled + "\n[relevance]\nthreshold = 100\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "--db", str(db), "reclassify"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "reclassified 1 items: 0 now relevant, 1 no longer relevant, 0 now possibly relevant, 0 rescored"
    assert rows(db, "SELECT relevant FROM items") == [(0,)]
    back = monitor(db, "reclassify")
    assert back.stdout.strip() == "reclassified 1 items: 1 now relevant, 0 no longer relevant, 0 now possibly relevant, 0 rescored"


def test_status_counts_items_per_outlet(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    monitor(db, "import", str(NORMALISED))
    result = monitor(db, "status", "--json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    by_key = {o["outlet"]: o for o in report["outlets"]}
    assert by_key["rhc-en"]["items"] == 1 and by_key["rhc-en"]["relevant"] == 1
    assert by_key["telesur-en"]["items"] == 0 and not by_key["telesur-en"]["failing"]


COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_help_has_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_python_dash_m_and_version() -> None:
    result = subprocess.run([sys.executable, "-m", "monitor", "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "0.1.0" in result.stdout
