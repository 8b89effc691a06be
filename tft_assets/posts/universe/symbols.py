"""Symbol spelling: upper case, ``.`` as the share-class separator."""

from __future__ import annotations

import re

#: A US-listed symbol as the universe holds it: 1-5 letters and an optional class (``BRK.B``).
SYMBOL_RE = re.compile(r"^[A-Z]{1,5}(?:\.[A-Z]{1,2})?$")


def normalize_symbol(symbol: str) -> str:
    """Upper-case a symbol and use ``.`` as the share-class separator (``brk/b`` -> ``BRK.B``)."""
    return symbol.strip().upper().replace("/", ".").replace("-", ".")
