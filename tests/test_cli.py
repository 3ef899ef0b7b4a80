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
from monitor.config import load as load_config

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


def test_import_the_seeds_folder_twice_then_export(tmp_path: Path) -> None:
    """The user's own seeds go in as they are: the raw dump waits for its URL under its file's id."""
    db = tmp_path / "store.db"
    first = monitor(db, "import", str(SEEDS))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == ("imported 2 (2 new, 0 duplicates); 1 page dump without a URL, "
                                    "completed when the article is fetched")
    again = monitor(db, "import", str(SEEDS))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "imported 2 (0 new, 2 duplicates)"

    items = rows(db, "SELECT id, seq, outlet, language, url, title, caption, relevant, version FROM items ORDER BY seq")
    assert items == [
        ("10ea589a1fae356f", 0, "telesur-en", "en", "", "Cuba Rejects US False Accusation on Human Trafficking",
         'The sign reads, "No more blockade", Havana, Cuba, Jun. 20, 2021. | Photo: EFE', 1, 1),
        ("319918b101c2d455", 1, "rhc-en", "en",
         "https://www.radiohc.cu/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking",
         "Cuba strengthened confrontation with human trafficking", "ilustrativo", 1, 1),
    ]  # fmt: skip
    body = rows(db, "SELECT body FROM items WHERE outlet = 'telesur-en'")[0][0]
    assert body.startswith("Published 4 July 2021\n\nCuba diplomacy warned")
    assert "Post with no comments" not in body and "Blinken Says" not in body and "News > Cuba" not in body

    out = tmp_path / "out"
    exported = monitor(db, "export", str(out))
    assert exported.stdout.strip() == f"exported 1 to {out} (1 written, 0 unchanged); 1 not exported: no URL yet"
    assert sorted(p.name for p in out.iterdir()) == [NORMALISED.name]
    assert (out / NORMALISED.name).read_bytes() == NORMALISED.read_bytes()  # name and bytes: the seed itself
    second = monitor(db, "export", str(out))
    assert second.stdout.strip() == f"exported 1 to {out} (0 written, 1 unchanged); 1 not exported: no URL yet"
    digest = monitor(db, "digest").stdout
    assert "### Cuba Rejects US False Accusation on Human Trafficking (imported page dump: link not known" in digest
    assert "(<>)" not in digest  # no empty link


def test_a_raw_dump_given_its_url_is_exported_with_it(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    raw = monitor(db, "import", "--url", RAW_URL, str(RAW))
    assert raw.returncode == 0 and raw.stdout.strip() == "imported 1 (1 new, 0 duplicates)"
    assert rows(db, "SELECT id, outlet, url, canonical_url FROM items") == [("10ea589a1fae356f", "telesur-en", RAW_URL, RAW_URL)]
    exported = monitor(db, "export", str(tmp_path / "out"))
    text = (tmp_path / "out" / RAW.name).read_text(encoding="utf-8")
    assert exported.returncode == 0 and f"\n\n---\n\n<{RAW_URL}>\n\n\n\n**teleSUR English**" in text


def test_a_raw_dump_whose_outlet_cannot_be_told_needs_outlet(tmp_path: Path) -> None:
    dump = tmp_path / "dumps" / "000_00000000000000aa.txt"
    dump.parent.mkdir()
    dump.write_text(RAW.read_text(encoding="utf-8").replace("Published 4 July", "4 July").replace("Audio Only", ""),
                    encoding="utf-8")
    db = tmp_path / "store.db"
    unknown = monitor(db, "import", str(dump))
    assert unknown.returncode == 1 and "cannot tell the outlet from the text" in unknown.stderr
    given = monitor(db, "import", "--outlet", "telesur-en", str(dump))
    assert given.returncode == 0 and rows(db, "SELECT id, outlet FROM items") == [("00000000000000aa", "telesur-en")]


def test_a_waiting_dump_is_completed_by_the_fetched_article_not_duplicated(tmp_path: Path) -> None:
    from monitor.testing.sampleserver import sample_config_text, start_sites

    with start_sites(sites=("telesur-en",)) as sites:
        base = sites.base_url("telesur-en")
        config = tmp_path / "config.toml"
        config.write_text(sample_config_text({"telesur-en": base + "/"}), encoding="utf-8")
        db = tmp_path / "monitor.db"
        assert monitor(db, "--config", str(config), "import", str(SEEDS)).returncode == 0
        waiting = rows(db, "SELECT key, item_id FROM item_keys WHERE key LIKE 'waiting:%'")
        assert waiting == [("waiting:telesur-en:cuba rejects us false accusation on human trafficking", "10ea589a1fae356f")]
        polled = monitor(db, "--config", str(config), "poll", "--catch-up")
        again = monitor(db, "--config", str(config), "import", str(SEEDS))
    assert polled.returncode == 0, polled.stderr
    url = base + "/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html"
    assert rows(db, "SELECT id, seq, url, canonical_url, version FROM items WHERE title LIKE 'Cuba Rejects US False%'") == [
        ("10ea589a1fae356f", 0, url, url, 2),  # the dump's row, now with its URL and the page's text
    ]
    assert rows(db, "SELECT COUNT(*) FROM items WHERE url = ''") == [(0,)]
    assert rows(db, "SELECT COUNT(*) FROM item_keys WHERE key LIKE 'waiting:%'") == [(0,)]  # completed: key gone
    assert again.stdout.strip() == "imported 2 (0 new, 2 duplicates)"  # and the dump does not undo the page
    assert rows(db, "SELECT version FROM items WHERE id = '10ea589a1fae356f'") == [(2,)]


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


def test_status_columns_stay_aligned_for_long_outlet_keys(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        (ROOT / "config.toml").read_text(encoding="utf-8")
        + '\n[outlets.prensa-latina-english-edition]\nname = "Prensa Latina English"\nlanguage = "en"\n'
        'base_url = "https://www.plenglish.com/"\nfeeds = ["/feed/"]\n', encoding="utf-8")
    monitor(tmp_path / "s.db", "import", str(NORMALISED))
    result = monitor(tmp_path / "s.db", "--config", str(config), "status")
    outlet_lines = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert len(outlet_lines) == len(load_config(config).outlets)  # one line per outlet, the long one included
    assert len({line.index(" items ") for line in outlet_lines}) == 1  # one column, however long the key
    assert len({line.index(" relevant ") for line in outlet_lines}) == 1


@pytest.mark.parametrize("command", ["poll", "run"])
def test_a_negative_lock_timeout_is_a_usage_error(tmp_path: Path, command: str) -> None:
    result = monitor(tmp_path / "s.db", command, "--lock-timeout", "-1")
    assert result.returncode == 2
    assert "Invalid value for '--lock-timeout': -1.0 is not in the range x>=0." in result.stderr
    assert not (tmp_path / "s.db").exists()  # refused before anything ran
