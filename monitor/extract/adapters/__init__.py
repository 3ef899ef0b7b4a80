"""Site adapters behind one Protocol, chosen by the outlet's ``adapter`` key.

Adapters are hints over the generic extractor (monitor.extract): ``generic`` adds
nothing, so such an outlet (Granma, Cubadebate, Prensa Latina in the bundled config)
is read by the generic extractor and its configured selectors. ``telesur`` and
``rhc`` add what OUTLETS.md evidences for those sites ([T]/[S] markup for teleSUR,
[P] text order for RHC); when their containers are gone the generic reading stands.
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
