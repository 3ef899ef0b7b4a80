"""Behind ``monitor demo``: the whole product on the bundled sample sites, offline, in seconds.

Starts the four sample outlet sites (``monitor.testing.sampleserver``) on 127.0.0.1,
writes a config that points teleSUR and Radio Habana Cuba at them (every other
outlet disabled), polls once, prints the digest and the command to open the
store in Datasette, then stops the sites and exits. No request leaves the
machine: the written config is checked before anything is fetched.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

from . import config as config_mod
from .errors import ConfigError
from .testing.sampleserver import sample_config_text

SAMPLE_OUTLETS = ("telesur-en", "telesur-es", "rhc-en", "rhc-es")


def write_config(folder: Path, base_urls: dict[str, str]) -> config_mod.Config:
    """Write ``folder/config.toml`` and prove it sends nothing beyond 127.0.0.1."""
    path = folder / "config.toml"
    path.write_text(sample_config_text(base_urls), encoding="utf-8")
    config = config_mod.load(path)
    for outlet in config.enabled_outlets:
        urls = (outlet.base_url, *outlet.feeds, *outlet.listings, *outlet.search, *outlet.sitemaps)
        stray = [u for u in urls if not u.startswith("http://127.0.0.1:")]
        if stray:
            raise ConfigError(f"{path}: demo outlet {outlet.key} would fetch {stray[0]}; refusing to leave 127.0.0.1")
    return config


def poll_once(config: config_mod.Config, echo: Callable[[str], None]) -> None:
    from .pipeline import open_run, poll, summary_line

    with open_run(config) as run:
        if run.store.created:
            echo(f"created a new store at {run.store.path}")
        report = poll(config.enabled_outlets, run)
    names = config.display_names()
    for outlet_run in report.runs:
        echo(summary_line(outlet_run, names[outlet_run.outlet]))
    echo(report.summary())


def print_digest(config: config_mod.Config, echo: Callable[[str], None]) -> None:
    from .digest import build
    from .digest_formats import to_markdown
    from .models import utc_now
    from .store import Store

    with Store(config.store_path, stories=config.stories) as store:
        echo(to_markdown(build(config, store, now=utc_now())))


def next_steps(config: config_mod.Config, kept: bool) -> str:
    from .serve import plain_command

    if not kept:
        return (
            "The demo's temporary folder is removed now. To keep the store and browse it in Datasette:\n"
            "    monitor demo --keep demo/        (then: monitor --config demo/config.toml serve)\n"
            "or let the demo open it for you:\n"
            "    monitor demo --open"
        )
    return (
        f"The demo store is {config.store_path}\n"
        "Open it in Datasette (search, facets, canned queries):\n"
        f"    monitor --config {config.path} serve\n"
        "or, with Datasette alone:\n"
        f"    {plain_command(config.store_path)}\n"
        f"More: monitor --config {config.path} digest --format html -o digest.html\n"
        "The sample sites stopped with the demo, so the article links above no longer answer."
    )


def run_demo(keep: Path | None, echo: Callable[[str], None], *, show: bool = False) -> Path | None:
    """Serve the samples, poll them, print the digest; with ``show``, browse it until Ctrl-C.

    Returns the kept config path; without ``keep`` the temporary folder is removed.
    """
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="monitor-demo-") as folder:
            _demo_in(Path(folder), echo, kept=False, show=show)
        return None
    keep.mkdir(parents=True, exist_ok=True)
    if (keep / "monitor.db").exists():
        raise ConfigError(f"{keep} already holds a demo (monitor.db): choose an empty folder for --keep")
    return _demo_in(keep, echo, kept=True, show=show).path


def _demo_in(folder: Path, echo: Callable[[str], None], *, kept: bool, show: bool) -> config_mod.Config:
    from .testing.sampleserver import start_sites

    with start_sites(sites=SAMPLE_OUTLETS) as sites:
        echo(f"Serving the sample outlets on 127.0.0.1 ({', '.join(sites.names)}); polling them once.\n")
        config = write_config(folder, {name: sites.base_url(name) + "/" for name in SAMPLE_OUTLETS})
        poll_once(config, echo)
        echo("")
        print_digest(config, echo)
        if show:  # the sample sites keep serving, so the digest's links open
            browse(config, echo)
            if not kept:
                echo("Stopped; the demo's temporary folder is removed.")
            return config
    echo(next_steps(config, kept=kept))
    return config


def browse(config: config_mod.Config, echo: Callable[[str], None]) -> None:
    """Write the HTML digest, open it in the browser, serve the store in Datasette until Ctrl-C."""
    import webbrowser

    from .digest import build
    from .digest_formats import render
    from .models import utc_now
    from .serve import free_port, run_datasette
    from .store import Store

    with Store(config.store_path, stories=config.stories) as store:
        digest = build(config, store, now=utc_now())
    page = config.path.with_name("digest.html")
    page.write_text(render(digest, "html"), encoding="utf-8")
    port = free_port()
    datasette = f"http://127.0.0.1:{port}/"
    shown = page.as_uri() if digest.count else datasette  # an empty digest: the store itself
    echo(f"\nThe digest: {page.as_uri()}\nDatasette:  {datasette}\nCtrl-C stops the sample sites and Datasette.")
    if not webbrowser.open(shown):
        echo(f"(no browser found here: open {shown} yourself)")
    try:
        run_datasette(config.store_path, host="127.0.0.1", port=port)
    except KeyboardInterrupt:
        pass
