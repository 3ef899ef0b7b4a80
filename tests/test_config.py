"""config.toml -> frozen settings; every broken config names file, line and key, exit 2."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from monitor import config
from monitor.errors import ConfigError

MINIMAL = """\
[store]
path = "news.db"

[outlets.telesur-en]
name = "teleSUR English"
language = "en"
base_url = "https://www.telesurenglish.net/"
adapter = "telesur"
schedule = "20m"
feeds = ["/feed/"]
search = ["/page/{page}/?s={query}"]
search_queries = ["human trafficking"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_config_loads_every_real_outlet() -> None:
    cfg = config.load()
    keys = [o.key for o in cfg.outlets]
    assert keys[:4] == ["telesur-en", "telesur-es", "rhc-en", "rhc-es"]
    assert {"granma", "cubadebate", "prensa-latina"} <= set(keys)
    rhc = cfg.outlet("rhc-es")
    assert rhc.language == "es" and rhc.adapter == "rhc"
    assert rhc.search == ("https://www.radiohc.cu/es/especiales/search?query={query}&page={page}",)
    assert cfg.store_path == Path("monitor.db")


def test_top_level_config_is_the_bundled_one() -> None:
    root = Path(__file__).resolve().parent.parent
    assert (root / "config.toml").read_bytes() == config.BUNDLED_CONFIG.read_bytes()


def test_minimal_config_is_typed_and_frozen(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, MINIMAL))
    outlet = cfg.outlet("telesur-en")
    assert outlet.schedule.interval == timedelta(minutes=20)
    assert outlet.feeds == ("https://www.telesurenglish.net/feed/",)
    assert outlet.enabled and outlet.timezone == "America/Havana"
    assert cfg.store_path == tmp_path / "news.db"  # relative to the config file
    assert cfg.http.max_bytes == 5_000_000
    with pytest.raises(AttributeError):
        outlet.name = "x"  # type: ignore[misc]


def test_cron_schedule_accepted(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, MINIMAL.replace('"20m"', '"*/15 6-22 * * *"')))
    assert cfg.outlet("telesur-en").schedule.cron == "*/15 6-22 * * *"


def test_rebased_moves_every_url_to_another_host(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, MINIMAL)).rebased({"telesur-en": "http://127.0.0.1:8123"})
    outlet = cfg.outlet("telesur-en")
    assert outlet.base_url == "http://127.0.0.1:8123/"
    assert outlet.feeds == ("http://127.0.0.1:8123/feed/",)
    assert outlet.search == ("http://127.0.0.1:8123/page/{page}/?s={query}",)


BROKEN = [
    (
        MINIMAL.replace('"20m"', '"often"'),
        'config.toml:9: outlets.telesur-en.schedule: expected an interval like "20m" or a cron expression, got "often"',
    ),
    (
        MINIMAL.replace('language = "en"', 'language = "english"'),
        'config.toml:6: outlets.telesur-en.language: expected a two-letter language code such as "en" or "es", got "english"',
    ),
    (
        MINIMAL.replace('"https://www.telesurenglish.net/"', '"telesurenglish.net"'),
        'config.toml:7: outlets.telesur-en.base_url: expected an absolute http(s) URL, got "telesurenglish.net"',
    ),
    (
        MINIMAL.replace('adapter = "telesur"', 'adapter = "telesurr"'),
        'config.toml:8: outlets.telesur-en.adapter: expected one of "generic", "telesur", "rhc", got "telesurr"',
    ),
    (
        MINIMAL.replace('name = "teleSUR English"\n', ""),
        "config.toml:4: outlets.telesur-en.name: expected a value (this key is required)",
    ),
    (
        MINIMAL.replace("feeds =", "feedz ="),
        "config.toml:10: outlets.telesur-en.feedz: unknown key, expected a known key (did you mean 'feeds'?)",
    ),
    (
        MINIMAL.replace('"/page/{page}/?s={query}"', '"/search?q=trafficking"'),
        'config.toml:11: outlets.telesur-en.search: expected URL templates containing {query}, got "https://www.telesurenglish.net/search?q=trafficking"',
    ),
    (
        MINIMAL + "[http]\nread_timeout = \"fast\"\n",
        'config.toml:14: http.read_timeout: expected a number >= 0.1, got "fast"',
    ),
    (
        MINIMAL + "[http]\nunconditional_every = \"daily\"\n",
        'config.toml:14: http.unconditional_every: expected a duration like "90s", "20m", "6h" or "2d", got "daily"',
    ),
    (
        MINIMAL.replace('schedule = "20m"', 'schedule = "20m"\ntimezone = "Cuba/Havana"'),
        'config.toml:10: outlets.telesur-en.timezone: expected an IANA time zone such as "America/Havana", got "Cuba/Havana"',
    ),
    (
        MINIMAL.replace('schedule = "20m"', "schedule = \"20m\"\narticle_pattern = '^/news/(['"),
        'config.toml:10: outlets.telesur-en.article_pattern: expected a valid regular expression '
        '(unterminated character set at position 8), got "^/news/(["',
    ),
    (
        MINIMAL + '[outlets.telesur-en.selectors]\ntitle = "h1[["\n',
        'config.toml:14: outlets.telesur-en.selectors.title: expected a CSS selector',
    ),
    ("[store]\npath = 'x.db'\n", "config.toml: outlets: expected a value (this key is required)"),
    (MINIMAL.replace("[store]", "[store"), "config.toml: not valid TOML: "),
    (
        MINIMAL + "\n[stroe]\npath = 'x.db'\n",
        "config.toml:14: stroe: unknown section, expected a known section (did you mean 'store'?)",
    ),
    (MINIMAL + "\n[digestt.smtp]\nhost = 'x'\n", "config.toml:14: digestt: unknown section"),
    (
        MINIMAL.replace('language = "en"', 'language = "fr"'),
        ('config.toml:6: outlets.telesur-en.language: expected a language the relevance rules are written in '
         '("en", "es"; add rules and list the language in [relevance] languages), got "fr"'),
    ),
    (MINIMAL + "enabled = 'yes'\n", "config.toml:13: outlets.telesur-en.enabled: expected true or false, got \"yes\""),
]


@pytest.mark.parametrize(("text", "message"), BROKEN, ids=[m[:60] for _, m in BROKEN])
def test_broken_config_names_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(write(tmp_path, text))
    assert str(info.value).startswith(message)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        config.load(tmp_path / "nope.toml")


@pytest.mark.parametrize(("text", "message"), BROKEN[:3])
def test_cli_exits_2_before_anything_runs(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    db = tmp_path / "store.db"
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(path), "--db", str(db), "status"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert not db.exists()  # nothing ran: no store was created


def test_an_outlet_in_another_language_loads_once_the_rules_cover_it(tmp_path: Path) -> None:
    text = MINIMAL.replace('language = "en"', 'language = "fr"') + '\n[relevance]\nlanguages = ["en", "es", "fr"]\n'
    assert config.load(write(tmp_path, text)).outlet("telesur-en").language == "fr"


def test_every_bundled_outlet_is_documented_in_the_project_and_the_config_cites_only_project_files() -> None:
    root = Path(__file__).resolve().parent.parent
    doc = (root / "docs" / "outlets.md").read_text(encoding="utf-8")
    bundled = config.load()
    headings = [line for line in doc.splitlines() if line.startswith("### ")]
    for outlet in bundled.outlets:
        assert any(f"`{outlet.key}`" in h for h in headings), f"docs/outlets.md has no section for {outlet.key}"
    text = config.BUNDLED_CONFIG.read_text(encoding="utf-8")
    assert "docs/outlets.md" in text and "shared/" not in text and "OUTLETS.md" not in text
    labels = set(re.findall(r"\[([A-Z])\]", text))
    assert labels and all(f"**[{label}]**" in doc for label in labels)  # every label used is explained


def test_stories_section_sets_the_story_thresholds(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, MINIMAL + "[stories]\nmax_distance = 5\nshingle_words = 3\n"))
    assert (cfg.stories.max_distance, cfg.stories.shingle_words) == (5, 3)


def test_old_dedupe_section_is_read_with_a_deprecation_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cfg = config.load(write(tmp_path, MINIMAL + "[dedupe]\nmax_distance = 5\n"))
    assert cfg.stories.max_distance == 5
    assert "config.toml:13: [dedupe] is deprecated" in caplog.text and "rename it [stories]" in caplog.text


def test_stories_and_dedupe_together_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config.toml:13: dedupe: expected only \[stories\]"):
        config.load(write(tmp_path, MINIMAL + "[dedupe]\nmax_distance = 5\n[stories]\nmax_distance = 4\n"))
