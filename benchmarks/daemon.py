"""A long-running poller's memory and CPU: does anything grow with the number of cycles?

    python benchmarks/daemon.py [--cycles 1000] [--baseline-cycles 1000]

A loopback server (its own process, so its work is not counted) serves a site
shaped like the Radio Habana Cuba sample site, extracted by the real ``rhc``
adapter: robots.txt, an RSS feed listing the newest 20 articles, and the
article pages. A new article appears every second read of the feed, so half
the cycles get a 304 for the feed (stable ETags) and half fetch, extract,
classify and store one article. Articles are ``benchmarks/corpus.py`` texts
(300-700 words from real EN word frequencies); every fifth is a near-copy of
one long-running story and one in twenty a copy of a recent article, so
stories grow as the daemon runs. The poller calls ``poll_outlet`` in a loop,
as the daemon's job does, with one shared :class:`~monitor.fetch.Fetcher`
and one :class:`~monitor.store.Store`. Printed, never asserted:

* resident memory (VmRSS) at cycles 10, 100, 500 and the last; goal: <= +10 % from
  cycle 100 to cycle 1,000 (FIELD_NOTES row 8: long-running scrapers that creep until
  they are OOM-killed);
* CPU time per cycle (process time of the poller: user + system) over cycles
  1-100, 101-200 and the last 100; goal: flat (the last 100 within 10 % of
  cycles 101-200: from cycle 100 on, like RSS); and wall time;
* a named baseline beside it: "new httpx client per cycle" -- the same loop building
  a fresh Fetcher (client, SSL context, robots cache) every cycle and closing it, the
  pattern of httpx issue #978 -- with the ratios of the two.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

from monitor import config as config_mod  # noqa: E402
from monitor.pipeline import open_run, poll_outlet  # noqa: E402
from monitor.store import Store  # noqa: E402

WINDOW = 20  # feed entries listed
CHECKPOINTS = (10, 100, 500)
SITE = "rhc-en"
LONG_STORY = 3_000_000  # corpus number of the story every fifth article copies


# ---------------------------------------------------------------- the changing site (a child process)


def _body(m: int) -> corpus.Text:
    """Article ``m`` of the site: its own text, a copy of the long story, or of a recent article."""
    own = 2 * (1_500_000 + m)  # even: English
    if m % 5 == 4:
        return corpus.near_copy(corpus.text(LONG_STORY), m)
    if m % 20 == 7 and m > 20:
        return corpus.near_copy(corpus.text(2 * (1_500_000 + m - 10)), m)
    return corpus.text(own)


def _path(m: int) -> str:
    return corpus.SHAPES[SITE].path(m, corpus.slug(_body(m).title))


def _published(m: int) -> datetime:
    return corpus.EPOCH + timedelta(days=300, minutes=30 * m)


class _Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: what a shared client gains from
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    feed_reads = 0
    by_path: dict[str, int] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            self._send(b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif self.path == corpus.SHAPES[SITE].feed:
            type(self).feed_reads += 1
            self._send(self._feed(1 + type(self).feed_reads // 2).encode(), "application/rss+xml")
        elif self.path in self.by_path:
            m = self.by_path[self.path]
            self._send(corpus.page(SITE, self.base, self.path, _body(m), _published(m)).encode(), "text/html; charset=utf-8")
        else:
            self._send(b"not found", "text/plain", status=404)

    def _feed(self, newest: int) -> str:
        entries = []
        for m in range(newest, max(0, newest - WINDOW), -1):
            path = _path(m)
            type(self).by_path[path] = m
            entries.append((path, _body(m).title, _published(m)))
        return corpus.feed(self.base, SITE, entries)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _send(self, body: bytes, kind: str, status: int = 200) -> None:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(port_out: Any) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    port_out.put(server.server_address[1])
    server.serve_forever()


def start_site() -> tuple[multiprocessing.Process, str]:
    ports: Any = multiprocessing.Queue()
    process = multiprocessing.Process(target=_serve, args=(ports,), daemon=True)
    process.start()
    return process, f"http://127.0.0.1:{ports.get(timeout=10)}/"


# ---------------------------------------------------------------- the poller


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@dataclass
class Result:
    name: str
    cycles: int
    rss: dict[int, int] = field(default_factory=dict)  # cycle -> KiB
    cpu: float = 0.0  # seconds of process time over all cycles
    cpu_first: float = 0.0  # over cycles 1-100 (warming up: regexes compiled, the long story's window filling)
    cpu_warm: float = 0.0  # over cycles 101-200
    cpu_last: float = 0.0  # over the last 100 cycles
    wall: float = 0.0
    new: int = 0
    failing: int = 0

    @property
    def growth(self) -> float | None:
        """RSS change from cycle 100 to the last cycle, in per cent."""
        if 100 not in self.rss or self.cycles <= 100:
            return None
        return 100.0 * (self.rss[self.cycles] - self.rss[100]) / self.rss[100]


def write_config(folder: Path, base_url: str) -> Path:
    shape = corpus.SHAPES[SITE]
    path = folder / "config.toml"
    path.write_text(
        '[store]\npath = "bench.db"\n\n[http]\nper_host_interval = 0\nretries = 0\nallow_private_addresses = true\n\n'
        f'[outlets.bench]\nname = "Bench"\nlanguage = "en"\nbase_url = "{base_url}"\nadapter = "{shape.adapter}"\n'
        f'timezone = "America/Havana"\nfeeds = ["{shape.feed}"]\narticle_pattern = \'{shape.article_pattern}\'\n',
        encoding="utf-8",
    )
    return path


def run_loop(name: str, cycles: int, *, per_cycle: bool) -> Result:
    """``open_run`` once for the whole loop (the daemon), or once per cycle around one store (the baseline)."""
    site, base = start_site()
    result = Result(name=name, cycles=cycles)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = config_mod.load(write_config(Path(tmp), base))
            outlet = cfg.outlet("bench")
            with Store(cfg.store_path, stories=cfg.stories) as store, ExitStack() as shared:
                run = None if per_cycle else shared.enter_context(open_run(cfg, store=store))
                gc.collect()
                cpu0, wall0 = time.process_time(), time.perf_counter()
                window = cpu0
                for cycle in range(1, cycles + 1):
                    if cycle == cycles - 99:
                        window = time.process_time()
                    if per_cycle:
                        with open_run(cfg, store=store) as fresh:  # a new Fetcher, closed after the cycle
                            outlet_run = poll_outlet(outlet, fresh)
                    else:
                        assert run is not None
                        outlet_run = poll_outlet(outlet, run)
                    result.new += outlet_run.new
                    result.failing += outlet_run.status != "ok"
                    if cycle in CHECKPOINTS or cycle == cycles:
                        result.rss[cycle] = rss_kib()
                    if cycle == 100:
                        result.cpu_first = time.process_time() - cpu0
                    if cycle == 200:
                        result.cpu_warm = time.process_time() - cpu0 - result.cpu_first
                result.cpu_last = time.process_time() - window
                result.cpu, result.wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        site.terminate()
        site.join(5)
    return result


# ---------------------------------------------------------------- report


def report(results: list[Result]) -> None:
    marks = sorted({c for r in results for c in r.rss})
    print(f"{'loop':<32} {'cycles':>6} " + " ".join(f"{'RSS@' + str(c):>10}" for c in marks)
          + f" {'100->last':>10} {'CPU/cycle':>10} {'1-100':>8} {'101-200':>8} {'last 100':>8} {'wall/cycle':>10} {'new':>6} {'failing':>7}")
    for r in results:
        rss = " ".join(f"{(str(r.rss[c] // 1024) + ' MiB') if c in r.rss else '-':>10}" for c in marks)
        growth = f"{r.growth:+.1f} %" if r.growth is not None else "-"
        print(f"{r.name:<32} {r.cycles:>6} {rss} {growth:>10} {1000 * r.cpu / r.cycles:>8.2f}ms "
              f"{10 * r.cpu_first:>6.2f}ms {10 * r.cpu_warm:>6.2f}ms {10 * r.cpu_last:>6.2f}ms "
              f"{1000 * r.wall / r.cycles:>8.2f}ms {r.new:>6} {r.failing:>7}")
    if len(results) == 2:
        ours, base = results
        print(f"\nbaseline / shared client: CPU per cycle x{(base.cpu / base.cycles) / (ours.cpu / ours.cycles):.2f}, "
              f"wall per cycle x{(base.wall / base.cycles) / (ours.wall / ours.cycles):.2f}, "
              f"RSS at the last cycle x{base.rss[base.cycles] / ours.rss[ours.cycles]:.2f}")
    ours = results[0]
    print("\ngoals (printed, never asserted):")
    if ours.growth is not None:
        print(f"  RSS flat (<= +10 % from cycle 100 to {ours.cycles}): "
              f"{'met' if ours.growth <= 10 else 'NOT met'} ({ours.growth:+.1f} %)")
    if ours.cycles >= 300 and ours.cpu_warm:
        drift = 100.0 * (ours.cpu_last - ours.cpu_warm) / ours.cpu_warm
        print(f"  CPU per cycle flat (last 100 cycles within 10 % of cycles 101-200, as RSS is taken from cycle 100): "
              f"{'met' if abs(drift) <= 10 else 'NOT met'} ({10 * ours.cpu_warm:.2f} -> {10 * ours.cpu_last:.2f} ms, {drift:+.1f} %)")


LOOPS = {"shared": ("shared client (monitor run)", False), "baseline": ("baseline: new httpx client/cycle", True)}


def run_in_child(loop: str, cycles: int) -> Result:
    """Each loop in a fresh interpreter, so one loop's heap does not count in the other's RSS."""
    out = subprocess.run([sys.executable, __file__, "--loop", loop, "--cycles", str(cycles)],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    data["rss"] = {int(k): v for k, v in data["rss"].items()}
    return Result(**data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=1000, help="poll cycles with the shared client")
    parser.add_argument("--baseline-cycles", type=int, default=1000, help="cycles of the baseline (0: skip it)")
    parser.add_argument("--loop", choices=sorted(LOOPS), help=argparse.SUPPRESS)  # one loop, as a child
    args = parser.parse_args()
    if args.loop:
        name, per_cycle = LOOPS[args.loop]
        print(json.dumps(asdict(run_loop(name, args.cycles, per_cycle=per_cycle))))
        return
    results = [run_in_child("shared", args.cycles)]
    if args.baseline_cycles:
        results.append(run_in_child("baseline", args.baseline_cycles))
    report(results)


if __name__ == "__main__":
    main()
