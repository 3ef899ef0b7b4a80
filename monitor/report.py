"""``monitor report``: relevant items per month per outlet since 2017, as one self-contained HTML page.

The series is the Datasette canned query ``timeline`` (``monitor/datasette/metadata.json``),
run by the store, so the page and Datasette always show the same numbers. Per outlet (its
editions stacked: Spanish and English), one bar per month; a month with no item that no
archive walk or poll covered is drawn as a *gap* (hatched, with the reason), never as a zero.
The months the US State Department released its Trafficking in Persons report are marked
(``[report] tip_releases``). Under each chart, the outlet's peak months list their top rules
and stories, linked to the items.

Inline SVG and CSS only: the file opens anywhere, offline, and can be mailed.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from .config import Config

if TYPE_CHECKING:  # types only: the report reads through the store it is given
    from .store import TimelineRow

# Release dates of the US State Department's Trafficking in Persons report (public record:
# the State Department's release announcements). Config-able: [report] tip_releases.
TIP_RELEASES = ("2017-06-27", "2018-06-28", "2019-06-20", "2020-06-25", "2021-07-01", "2022-07-19",
                "2023-06-15", "2024-06-24")
PEAKS = 3  # peak months listed per outlet
TOP = 5  # rules and stories listed per peak month
_COLOURS = {"es": "#c0392b", "en": "#2c6fbb"}
_OTHER_COLOUR = "#7f8c8d"


class TimelineStore(Protocol):
    def timeline(self, since: str) -> list[TimelineRow]: ...

    def items(self, where: str | None = None, params: Any = (), order_by: str = "seq") -> Any: ...


@dataclass(frozen=True, slots=True)
class Cell:
    month: str
    relevant: int | None  # None: a gap
    gap: str  # why, when a gap


@dataclass
class Series:
    """One outlet edition's months."""

    key: str
    language: str
    cells: list[Cell]


@dataclass
class Peak:
    month: str
    relevant: int
    rules: list[tuple[str, int]]
    stories: list[dict[str, Any]]


@dataclass
class Outlet:
    """An outlet with its editions, stacked in one chart."""

    name: str
    editions: list[Series] = field(default_factory=list)
    peaks: list[Peak] = field(default_factory=list)

    def total(self, month: str) -> int:
        return sum(c.relevant or 0 for s in self.editions for c in s.cells if c.month == month)

    def gap(self, month: str) -> str:
        """The gap reason when *every* edition lacks the month, else ''."""
        reasons = [c.gap for s in self.editions for c in s.cells if c.month == month]
        return reasons[0] if reasons and all(reasons) else ""


@dataclass
class Report:
    since: str
    months: list[str]
    outlets: list[Outlet]
    tip_months: dict[str, str]  # YYYY-MM -> release date
    generated: str

    def series(self) -> list[dict[str, Any]]:
        """The numbers drawn, as rows (what the page embeds for machines, and the tests read)."""
        return [{"outlet": s.key, "language": s.language, "month": c.month, "relevant": c.relevant, "gap": c.gap}
                for o in self.outlets for s in o.editions for c in s.cells]


def build(config: Config, store: TimelineStore, *, since: str, now: datetime) -> Report:
    rows = store.timeline(since)
    months = sorted({row["month"] for row in rows})
    by_key: dict[str, list[Cell]] = defaultdict(list)
    languages: dict[str, str] = {}
    for row in rows:
        by_key[row["outlet"]].append(Cell(row["month"], row["relevant"], row["gap"] or ""))
        languages.setdefault(row["outlet"], row["language"] or "")
    names = {o.key: o.name for o in config.outlets}
    outlets: dict[str, Outlet] = {}
    for key in sorted(by_key, key=lambda k: (names.get(k, k), k)):
        configured = next((o for o in config.outlets if o.key == key), None)
        language = configured.language if configured else languages[key]
        outlet = outlets.setdefault(names.get(key, key), Outlet(names.get(key, key)))
        outlet.editions.append(Series(key, language, by_key[key]))
    for outlet in outlets.values():
        outlet.editions.sort(key=lambda s: (s.language != "es", s.language))
        outlet.peaks = _peaks(outlet, store)
    tips = {d[:7]: d for d in (config.report_tip_releases or TIP_RELEASES)}
    return Report(since=since, months=months, outlets=list(outlets.values()), tip_months=tips,
                  generated=now.strftime("%Y-%m-%d %H:%M UTC"))


def _peaks(outlet: Outlet, store: TimelineStore) -> list[Peak]:
    totals = Counter({m: outlet.total(m) for s in outlet.editions for m in (c.month for c in s.cells)})
    keys = [s.key for s in outlet.editions]
    peaks = []
    for month, count in totals.most_common(PEAKS):
        if count <= 0:
            break
        marks = ", ".join("?" * len(keys))
        where = (f"relevant = 1 AND outlet IN ({marks}) AND substr(COALESCE(published, first_seen), 1, 7) = ?")
        items = list(store.items(where, [*keys, month], order_by="score DESC, seq"))
        rules = Counter(rule for item in items for rule in item.get("rules") or [])
        peaks.append(Peak(month, count, rules.most_common(TOP), items[:TOP]))
    return sorted(peaks, key=lambda p: p.month)


# ---------------------------------------------------------------- HTML

_BAR, _GAP, _HEIGHT, _LEFT, _TOP_PAD = 7, 1, 120, 34, 18


def render(report: Report) -> str:
    charts = "\n".join(_outlet_html(report, o) for o in report.outlets) or "<p>No items stored yet.</p>"
    legend = " ".join(f'<span class="key" style="background:{_COLOURS[lang]}"></span>{name}'
                      for lang, name in (("es", "Spanish edition"), ("en", "English edition")))
    data = json.dumps(report.series(), ensure_ascii=False).replace("</", "<\\/")
    tips = ", ".join(sorted(report.tip_months.values()))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Trafficking coverage per outlet since {_e(report.since)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }}
h1 {{ font-size: 1.4em; }} h2 {{ font-size: 1.1em; margin: 1.6em 0 .3em; }}
.key {{ display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: -1px; }}
.key.gap {{ background: repeating-linear-gradient(45deg, #bbb 0 2px, #fff 2px 4px); border: 1px solid #bbb; }}
.key.tip {{ background: #e6a700; width: 3px; }}
svg {{ display: block; overflow: visible; }} svg text {{ font-size: 10px; fill: #555; }}
.peaks {{ margin: .2em 0 0 {_LEFT}px; padding: 0; list-style: none; }} .peaks li {{ margin: .3em 0; }}
.rules {{ color: #666; }} .muted {{ color: #777; }}
</style></head>
<body>
<h1>Trafficking coverage per outlet, {_e(report.months[0] if report.months else report.since)} to {_e(report.months[-1] if report.months else "")}</h1>
<p>Relevant items per month, by publication date (first seen when the outlet printed none).
{legend} <span class="key gap"></span>gap (not walked, could not be walked, or returned nothing: unknown, not zero)
<span class="key tip"></span>US Trafficking in Persons report released ({_e(tips)}).</p>
<svg width="0" height="0" style="position:absolute"><defs><pattern id="hatch" width="4" height="4"
 patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2" height="4" fill="#bbb"/></pattern></defs></svg>
{charts}
<p class="muted">Generated {_e(report.generated)} by monitor report. The same series: the Datasette canned query <code>timeline</code>.</p>
<script type="application/json" id="series">{data}</script>
</body></html>
"""


def _outlet_html(report: Report, outlet: Outlet) -> str:
    months = report.months
    top = max([outlet.total(m) for m in months] + [1])
    width = _LEFT + len(months) * (_BAR + _GAP) + 10
    tips: list[str] = []  # drawn last, over the bars and gaps
    parts = [f'<svg class="timeline" width="{width}" height="{_HEIGHT + _TOP_PAD + 26}" role="img" '
             f'aria-label="{_e(outlet.name)}: relevant items per month">',
             f'<text x="{_LEFT - 4}" y="{_TOP_PAD + 4}" text-anchor="end">{top}</text>',
             f'<text x="{_LEFT - 4}" y="{_TOP_PAD + _HEIGHT}" text-anchor="end">0</text>',
             f'<line x1="{_LEFT}" y1="{_TOP_PAD + _HEIGHT}" x2="{width - 10}" y2="{_TOP_PAD + _HEIGHT}" stroke="#999"/>']
    for i, month in enumerate(months):
        x = _LEFT + i * (_BAR + _GAP)
        if month in report.tip_months:
            tips.append(f'<line class="tip" data-month="{month}" x1="{x + _BAR / 2}" y1="{_TOP_PAD - 6}" '
                         f'x2="{x + _BAR / 2}" y2="{_TOP_PAD + _HEIGHT}" stroke="#e6a700" stroke-width="1.5">'
                         f'<title>TIP report released {report.tip_months[month]}</title></line>')
        if month.endswith("-01"):
            parts.append(f'<text x="{x}" y="{_TOP_PAD + _HEIGHT + 14}">{month[:4]}</text>')
        gap = outlet.gap(month)
        if gap:
            parts.append(f'<rect class="gap" data-month="{month}" data-gap="{_e(gap)}" x="{x}" y="{_TOP_PAD}" '
                         f'width="{_BAR}" height="{_HEIGHT}" fill="url(#hatch)"><title>{month}: gap ({_e(gap)})</title></rect>')
            continue
        y: float = _TOP_PAD + _HEIGHT
        for series in outlet.editions:
            cell = next((c for c in series.cells if c.month == month), None)
            value = cell.relevant if cell and cell.relevant else 0
            if not value:
                continue
            h = value / top * _HEIGHT
            y -= h
            colour = _COLOURS.get(series.language, _OTHER_COLOUR)
            parts.append(f'<rect class="bar" data-outlet="{_e(series.key)}" data-language="{_e(series.language)}" '
                         f'data-month="{month}" data-relevant="{value}" x="{x}" y="{y:.1f}" width="{_BAR}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{month} {series.language.upper()}: {value}</title></rect>')
    parts += [*tips, "</svg>"]
    editions = ", ".join(f"{s.key} ({s.language})" for s in outlet.editions)
    return (f'<section class="outlet" data-name="{_e(outlet.name)}"><h2>{_e(outlet.name)} '
            f'<span class="muted">{_e(editions)}</span></h2>\n' + "".join(parts) + "\n" + _peaks_html(outlet) + "</section>")


def _peaks_html(outlet: Outlet) -> str:
    if not outlet.peaks:
        return ""
    rows = []
    for peak in outlet.peaks:
        rules = ", ".join(f"{_e(rule)} ({n})" for rule, n in peak.rules)
        stories = "; ".join(f'<a href="{_e(item["url"])}" data-item="{_e(item["id"])}">{_e(item["title"])}</a>'
                            for item in peak.stories)
        rows.append(f'<li class="peak" data-month="{peak.month}"><b>{peak.month}</b>: {peak.relevant} relevant. '
                    f'<span class="rules">Top rules: {rules}.</span> {stories}</li>')
    return '<ul class="peaks">' + "".join(rows) + "</ul>"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)
