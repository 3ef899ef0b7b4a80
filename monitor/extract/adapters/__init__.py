"""Site adapters behind one Protocol, chosen by the outlet's ``adapter`` key.

``generic`` reads standard metadata plus the outlet's configured selectors and
is enough for any outlet that publishes them (Granma, Cubadebate, Prensa Latina
in the bundled config). ``telesur`` and ``rhc`` add what OUTLETS.md evidences
for those sites ([T]/[S] markup for teleSUR, [P] text order for RHC).
"""

from __future__ import annotations

from monitor.errors import ConfigError

from .base import Adapter, Document, Fields, Found
from .generic import GenericAdapter
from .rhc import RhcAdapter
from .telesur import TelesurAdapter

REGISTRY: dict[str, Adapter] = {
    adapter.name: adapter for adapter in (GenericAdapter(), TelesurAdapter(), RhcAdapter())
}


def get_adapter(name: str) -> Adapter:
    """The adapter registered as ``name`` (config.py validates the names it accepts)."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ConfigError(f"no adapter {name!r} (known: {known})") from None


__all__ = ["Adapter", "Document", "Fields", "Found", "REGISTRY", "get_adapter"]
