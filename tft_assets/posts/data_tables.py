"""Word and phrase tables shipped as package data files, one entry a line.

A ``#`` at the start of a line or after white space starts a comment; blank lines are skipped.
The tables are read once, when the module that holds them is imported.
"""

from __future__ import annotations

import re
from importlib.resources import files

_COMMENT_RE = re.compile(r"(?:^|\s)#.*$")


def table_lines(package: str, name: str) -> list[str]:
    """The entries of data file ``data/<name>`` of ``package``, stripped, in file order."""
    text = files(package).joinpath("data", name).read_text(encoding="utf-8")
    entries = (_COMMENT_RE.sub("", line).strip() for line in text.splitlines())
    return [entry for entry in entries if entry]


def word_table(package: str, name: str) -> frozenset[str]:
    """The words of a one-word-a-line data file (see :func:`table_lines`)."""
    return frozenset(table_lines(package, name))


def pair_table(package: str, name: str) -> list[tuple[str, str]]:
    """``(key, value)`` rows of a tab-separated two-column data file, in file order."""
    rows = []
    for line in table_lines(package, name):
        key, value = line.split("\t")
        rows.append((key, value))
    return rows
