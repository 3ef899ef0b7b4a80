"""``monitor status``: what each outlet has given us and whether it is healthy."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .config import Config


def collect(config: Config, store: Any, *, next_runs: dict[str, str] | None = None) -> dict[str, Any]:
    """One row per configured outlet (plus any outlet only the store knows)."""
    known = {row["outlet"]: row for row in store.outlet_status()}
    rows = []
    for outlet in config.outlets:
        row = known.pop(outlet.key, None) or _empty(outlet.key)
        rows.append(_row(row, name=outlet.name, enabled=outlet.enabled, next_runs=next_runs))
    rows.extend(_row(row, name=key, enabled=False, next_runs=next_runs) for key, row in sorted(known.items()))
    return {
        "store": str(config.store_path),
        "items": sum(r["items"] for r in rows),
        "relevant": sum(r["relevant"] for r in rows),
        "outlets": rows,
    }


def next_runs(store: Any, now: datetime) -> dict[str, str]:
    """When the daemon (``monitor run``) will next poll each outlet, as it last published it.

    A time well in the past means no daemon is running on this database (it was killed,
    or never started): a clean stop withdraws its times.
    """
    shown = {}
    for outlet, row in store.next_runs().items():
        due = datetime.fromisoformat(row["next_run"])
        text = due.strftime("%Y-%m-%d %H:%M:%S UTC") + (" (catch-up)" if row.get("catch_up") else "")
        slack = timedelta(seconds=max(60.0, row.get("interval") or 0.0))
        if due + slack < now:
            text += f" — overdue: is `monitor run` (pid {row.get('pid')}) still running?"
        shown[outlet] = text
    return shown


def _empty(key: str) -> dict[str, Any]:
    return {"outlet": key, "items": 0, "relevant": 0, "last_run": None, "last_status": None,
            "last_success": None, "last_error": None, "last_error_at": None, "failing_streak": 0, "degraded": None}


def _row(row: dict[str, Any], *, name: str, enabled: bool, next_runs: dict[str, str] | None) -> dict[str, Any]:
    return {
        **row,
        "name": name,
        "enabled": enabled,
        "failing": row["last_status"] not in (None, "ok"),
        "next_run": (next_runs or {}).get(row["outlet"]),
    }


def render_text(report: dict[str, Any]) -> str:
    lines = [f"{report['store']}: {report['items']} items, {report['relevant']} relevant"]
    for o in report["outlets"]:
        state = "FAILING" if o["failing"] else ("ok" if o["last_status"] else "never run")
        if not o["enabled"]:
            state += ", disabled"
        line = f"  {o['outlet']:<14} {o['items']:>5} items {o['relevant']:>4} relevant  {state}"
        if o["last_success"]:
            line += f"; last success {o['last_success'][:16]}"
        if o["failing"]:
            line += f"; {o['failing_streak']} failed run(s) in a row: {o['last_error']}"
        if o.get("degraded"):
            line += f"; degraded: {o['degraded']}"
        if o.get("next_run"):
            line += f"; next run {o['next_run']}"
        lines.append(line)
    failing = sum(1 for o in report["outlets"] if o["failing"])
    lines.append(f"{failing} outlet{'s' if failing != 1 else ''} failing")
    return "\n".join(lines)
