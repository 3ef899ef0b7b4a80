"""How long a stop takes, and whether a request deadline holds against a trickling server.

    python benchmarks/stopping.py [--rounds 5]

Everything runs the real ``monitor`` command as a subprocess against a local sample
site (``monitor.testing.sampleserver``), as cron or ``docker stop`` would. Printed, never asserted:

* **stop latency**: ``monitor poll`` of an outlet whose article pages each take
  ``--article-seconds`` to answer (a slow site); SIGINT or SIGTERM is sent once 3 articles
  were requested, and the time until the process has exited is measured. Goal: under 5 s.
  Named baseline beside it: the article time itself, the least a stop that finishes the
  article in hand can take (an unpatched poll took 21 s in the issue's try: it waited for
  every outlet to finish).
* **deadline**: ``monitor poll`` of an outlet whose one article trickles a byte every 0.2 s
  (body, then headers), with ``request_deadline = 2``; the wall time of the whole poll,
  beside the 200 s the trickle would take without a deadline and the poll of an
  empty feed (the process's own start-up cost).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.testing.sampleserver import start_sites  # noqa: E402

HTTP = ('[http]\nper_host_interval = 0\nretries = 2\nbackoff = 0.1\nread_timeout = 5\nrequest_deadline = 2\n'
        'allow_private_addresses = true\n')


def feed(*paths: str) -> str:
    items = "".join(f"<item><title>{n}</title><link>{{{{BASE}}}}{p.replace('&', '&amp;')}</link></item>"
                    for n, p in enumerate(paths))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title>{items}</channel></rss>'


def site_folder(root: Path, name: str, paths: list[str]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (folder / "feed.xml").write_text(feed(*paths))
    return folder


def config(root: Path, base_url: str) -> Path:
    path = root / "config.toml"
    path.write_text(f'[store]\npath = "monitor.db"\n{HTTP}\n[outlets.bench]\nname = "Bench"\nlanguage = "en"\n'
                    f'base_url = "{base_url}/"\nfeeds = ["/feed.xml"]\n')
    return path


def monitor(config_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "MONITOR_DB"}
    return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config_path), *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop_latency(sig: signal.Signals, article_seconds: float) -> tuple[float, int]:
    paths = [f"/_trouble/slow-article?n={n}&seconds={article_seconds}" for n in range(30)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site_folder(root / "sites", "slow", paths)
        with start_sites(root / "sites", ["slow"]) as sites:
            site = sites.site("slow")
            process = monitor(config(root, site.base_url), "poll")
            while sum(r.target.startswith("/_trouble/slow-article") for r in site.request_log()) < 3:
                time.sleep(0.01)
            sent = time.monotonic()
            process.send_signal(sig)
            process.communicate(timeout=60)
            return time.monotonic() - sent, process.returncode


def poll_time(paths: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site_folder(root / "sites", "trickle", paths)
        with start_sites(root / "sites", ["trickle"]) as sites:
            started = time.monotonic()
            monitor(config(root, sites.site("trickle").base_url), "poll").communicate(timeout=300)
            return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--article-seconds", type=float, default=1.0)
    args = parser.parse_args()

    print(f"stop latency: monitor poll of a site whose articles take {args.article_seconds:g} s each "
          f"({args.rounds} rounds per signal)")
    for sig in (signal.SIGINT, signal.SIGTERM):
        runs = [stop_latency(sig, args.article_seconds) for _ in range(args.rounds)]
        took = [t for t, _ in runs]
        codes = sorted({c for _, c in runs})
        print(f"  {sig.name:<8} median {statistics.median(took):.2f} s, max {max(took):.2f} s, exit {codes}; "
              f"baseline (one article) {args.article_seconds:.2f} s; ratio {statistics.median(took) / args.article_seconds:.2f}x;"
              f" goal < 5 s")

    empty = poll_time([])
    print("deadline: request_deadline = 2 s, a byte every 0.2 s (200 s without a deadline), retries = 2")
    for part, path in (("body", "/_trouble/trickle?bytes=1000&every=0.2"),
                       ("headers", "/_trouble/trickle-headers?bytes=1000&every=0.2")):
        took = poll_time([path])
        print(f"  trickling {part:<8} poll {took:.2f} s; baseline poll of an empty feed {empty:.2f} s; "
              f"spent on the trickle {took - empty:.2f} s (deadline 2 s, not retried)")


if __name__ == "__main__":
    main()
