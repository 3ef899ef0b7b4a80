"""Browser check: the HTML digest and Datasette's pages, rendered by headless Chromium.

Runs ``monitor demo`` into a folder, writes the HTML digest, starts ``monitor
serve`` on a free port, and saves PNG screenshots with Debian's ``chromium``
(``apt-get install -y chromium``). Everything stays on 127.0.0.1.

    .venv/bin/python scripts/screenshots.py [OUT_DIR]      # default: screenshots/
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1280,2400",
]  # fmt: skip


def monitor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, check=True, timeout=120)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shoot(browser: str, url: str, png: Path, profile: Path) -> None:
    command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}", url]
    subprocess.run(command, capture_output=True, check=True, timeout=90)
    if not png.is_file() or png.stat().st_size < 5000:
        raise SystemExit(f"{png}: no screenshot of {url}")
    print(f"{png}  <- {url}")


def wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"monitor serve did not answer at {url}") from None
            time.sleep(0.2)


def main(out: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium not found: apt-get install -y chromium")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="monitor-shots-") as tmp:
        demo, profile = Path(tmp) / "demo", Path(tmp) / "profile"
        monitor("demo", "--keep", str(demo))
        config = str(demo / "config.toml")
        monitor("--config", config, "digest", "-o", str(demo / "digest.html"))
        shoot(browser, (demo / "digest.html").as_uri(), out / "digest.png", profile)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "monitor", "--config", config, "serve", "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/-/versions.json", server)
            shoot(browser, f"{base}/monitor/items", out / "datasette-items.png", profile)
            shoot(browser, f"{base}/monitor/relevant_items?_search=trata+de+personas",
                  out / "datasette-search.png", profile)
            shoot(browser, f"{base}/monitor/outlet_health", out / "datasette-health.png", profile)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("screenshots"))
