"""``monitor status``: what each outlet has given us and whether it is healthy."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .config import Config

if TYPE_CHECKING:
    from .store import FailureRow, OutletStatusRow, Store


def collect(config: Config, store: Store, *, next_runs: dict[str, str] | None = None) -> dict[str, Any]:
    """One row per configured outlet (plus any outlet only the store knows)."""
    from .lock import holds_lock

    known = {row["outlet"]: row for row in store.outlet_status()}
    for row in known.values():
        if row["last_status"] == "running" and not holds_lock(config.store_path, row["outlet"], row["last_run_pid"]):
            row["last_status"] = "gone"  # killed (kill -9, OOM, power): it will never finish
    names = config.display_names()
    rows = []
    for outlet in config.outlets:
        row = known.pop(outlet.key) if outlet.key in known else _empty(outlet.key)
        rows.append(_row(row, name=names[outlet.key], enabled=outlet.enabled, next_runs=next_runs))
    rows.extend(_row(row, name=key, enabled=False, next_runs=next_runs) for key, row in sorted(known.items()))
    return {
        "store": str(config.store_path),
        "items": sum(r["items"] for r in rows),
        "relevant": sum(r["relevant"] for r in rows),
        "outlets": rows,
    }


def next_runs(store: Store, now: datetime) -> dict[str, str]:
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


def _empty(key: str) -> OutletStatusRow:
    return {"outlet": key, "items": 0, "relevant": 0, "last_run": None, "last_status": None, "last_run_error": None,
            "last_run_pid": None, "last_success": None, "last_error": None, "last_error_at": None, "failing_streak": 0,
            "degraded": None}


def _row(row: OutletStatusRow, *, name: str, enabled: bool, next_runs: dict[str, str] | None) -> dict[str, Any]:
    return {
        **row,
        "name": name,
        "enabled": enabled,
        # A run cut short on purpose (Ctrl-C, docker stop) is not a failure; one whose process died is.
        "failing": row["last_status"] in ("failing", "gone"),
        "next_run": (next_runs or {}).get(row["outlet"]),
    }


def _state(o: dict[str, Any]) -> str:
    status = o["last_status"]
    if status is None:
        return "never run"
    if status == "gone":
        return f"FAILING: interrupted (process gone: pid {o['last_run_pid']} died during its run of {o['last_run'][:16]})"
    if status == "running":
        return f"running since {o['last_run'][:16]} (pid {o['last_run_pid']})"
    if status == "interrupted":
        return o["last_run_error"] or "interrupted"
    return "FAILING" if o["failing"] else "ok"


def stale(store: Store, max_age: timedelta, now: datetime) -> list[str]:
    """Why the store looks unattended: no run completed within ``max_age``, or a daemon
    whose heartbeat stopped (a crash-looping or hung ``monitor run``). Empty when fine."""
    cutoff = now - max_age
    problems = []
    last = store.last_completed_run()
    if last is None:
        problems.append(f"no run has completed yet (wanted one within {_age(max_age)})")
    elif datetime.fromisoformat(last) < cutoff:
        problems.append(f"no run completed in the last {_age(max_age)} (the last finished {last[:16]})")
    for daemon in store.daemons():
        if datetime.fromisoformat(daemon["heartbeat"]) < cutoff:
            problems.append(f"`monitor run` (pid {daemon['pid']}) has been silent since {daemon['heartbeat'][:16]}")
    return problems


def _age(age: timedelta) -> str:
    seconds = age.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def render_failures(outlet: str, failures: list[FailureRow]) -> str:
    """``monitor status OUTLET``: the latest failures, newest first, with what each was."""
    if not failures:
        return f"{outlet}: no failures recorded"
    lines = [f"{outlet}: latest {len(failures)} failure{'s' if len(failures) != 1 else ''} (newest first)"]
    for f in failures:
        lines.append(f"  {f['at'][:16]}  {f['class']:<16} {f['url']}")
        if f["message"]:
            lines.append(f"  {'':<16}  {'':<16} {f['message']}")
    return "\n".join(lines)


def render_text(report: dict[str, Any]) -> str:
    lines = [f"{report['store']}: {report['items']} items, {report['relevant']} relevant"]
    width = max([14, *(len(o["outlet"]) for o in report["outlets"])])  # long keys push every column alike
    for o in report["outlets"]:
        state = _state(o)
        if not o["enabled"]:
            state += ", disabled"
        line = f"  {o['outlet']:<{width}} {o['items']:>5} items {o['relevant']:>4} relevant  {state}"
        if o["last_success"]:
            line += f"; last success {o['last_success'][:16]}"
        if o["failing"] and o["last_status"] == "failing":
            line += f"; {o['failing_streak']} failed run(s) in a row: {o['last_error']}"
        if o.get("degraded"):
            line += f"; degraded: {o['degraded']}"
        if o.get("next_run"):
            line += f"; next run {o['next_run']}"
        lines.append(line)
    failing = sum(1 for o in report["outlets"] if o["failing"])
    lines.append(f"{failing} outlet{'s' if failing != 1 else ''} failing")
    return "\n".join(lines)
