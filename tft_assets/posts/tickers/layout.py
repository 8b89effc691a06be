"""Where a candidate stands in the text's layout: inside a link, or in a markdown table.

Two layouts make a token no mention whatever its form:

* a **link** (:func:`in_link`): the address of a URL (``https://finance.yahoo.com/q?s=INO``,
  ``www.…``) or a user / subreddit name (``u/…``, ``r/…``); the visible text of a markdown
  link (``[CVM](https://…)``) is text like any other;
* a **bot table** (:func:`table_layout`): in a markdown table (a text with a separator row such
  as ``:--|:--``), a token of a header row (``|**Ticker**|**OI**|**Volume**|``) is a column
  label, and a token after the first word of a cell (``|Jumia Technologies AG|``,
  ``|**YAMANA GOLD INC**|``) is part of a company name or a label; a cell that is a link's
  text (``|[Is BBBY the next squeeze?](…)|``, a post title) is text like any other.

Each function takes the candidate frame (``row``, ``start``, ``end``, ``method``) and the texts,
and returns one Boolean per candidate; only the texts that can hold the layout are searched.
"""

from __future__ import annotations

import polars as pl

from tft_assets.posts.tickers.context import per_row

#: Characters looked at before a candidate for the start of a link (URLs run to ~300).
LINK_LOOKBACK_CHARS = 300
#: Characters looked at on a candidate's line in a table (bot rows are short).
TABLE_LINE_CHARS = 400

#: A link address up to the candidate: a URL not yet ended by white space or a closing
#: bracket, or a user / subreddit name.
_LINK_BEFORE_RE = r"(?:(?:https?://|www\.)[^\s()\[\]<>]*|(?:^|[^\w/])/?[ru]/[\w-]*)$"
#: A markdown table's separator row: cells of dashes with optional colons.
_SEPARATOR_ROW_RE = r"(?m)^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$"


def _texts_of(m: pl.DataFrame, texts: pl.Series, literal: tuple[str, ...]) -> pl.Series:
    """Per candidate: its text holds one of the ``literal`` strings (a cheap pre-filter)."""
    return per_row(m.get_column("row"), texts, lambda t: t.str.contains_any(list(literal)))


def in_link(m: pl.DataFrame, texts: pl.Series) -> pl.Series:
    """Per candidate: it stands in a link address or a user / subreddit name (see the module
    docstring)."""
    maybe = _texts_of(m, texts, ("http", "www.", "r/", "u/"))
    out = pl.repeat(False, m.height, eager=True)
    at = maybe.arg_true()
    if at.len() == 0:
        return out
    c = m[at]
    text = texts.gather(c.get_column("row"))
    start = c.get_column("start")
    # a token inside an address follows address punctuation, never white space
    glued = text.str.slice((start - 1).clip(0, None), 1).str.contains(r"[/=?&.#:%_-]") & (start > 0)
    at, c, text, start = at.filter(glued), c.filter(glued), text.filter(glued), start.filter(glued)
    if at.len() == 0:
        return out
    lo = (start - LINK_LOOKBACK_CHARS).clip(0, None)
    before = text.str.slice(lo, start - lo)
    return out.scatter(at, before.str.contains(_LINK_BEFORE_RE))


def table_layout(m: pl.DataFrame, texts: pl.Series) -> pl.Series:
    """Per candidate: it stands in a markdown table row and is no mention there - a token of a
    header row, or after the first word of a cell that is no link's text (see the module
    docstring). Cashtags count in any cell."""
    maybe = _texts_of(m, texts, ("|",)) & (m.get_column("method") != "cashtag")
    out = pl.repeat(False, m.height, eager=True)
    at = maybe.arg_true()
    if at.len() == 0:
        return out
    tabled = per_row(
        m.get_column("row").gather(at), texts, lambda t: t.str.contains(_SEPARATOR_ROW_RE)
    )
    at = at.filter(tabled)
    if at.len() == 0:
        return out
    c = m[at]
    text = texts.gather(c.get_column("row"))
    start, end = c.get_column("start"), c.get_column("end")
    lo = (start - TABLE_LINE_CHARS).clip(0, None)
    line_before = text.str.slice(lo, start - lo).str.extract(r"([^\n]*)$")
    after = text.str.slice(end, TABLE_LINE_CHARS)
    line_after = after.str.extract(r"^([^\n]*)")
    next_line = after.str.extract(r"^[^\n]*\n([^\n]*)").fill_null("")
    in_row = (line_before + line_after).str.count_matches("|", literal=True) >= 1
    cell_before = line_before.str.extract(r"([^|]*)$")
    # after the cell's first word, unless the cell is a link's text
    inner = cell_before.str.contains(r"[A-Za-z0-9]") & ~cell_before.str.contains(r"^\s*\*{0,2}\[")
    header = next_line.str.contains(_SEPARATOR_ROW_RE)
    return out.scatter(at, (in_row & (inner | header)).fill_null(False))
