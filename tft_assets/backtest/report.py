"""What a person sees of a backtest: an equity and drawdown figure, a one-page HTML report, and
a plain-text summary (matplotlib, Agg backend, imported inside the functions)."""

from __future__ import annotations

import base64
import html
from typing import Any

import numpy as np

from tft_assets.backtest.metrics import drawdown
from tft_assets.backtest.suite import PORTFOLIOS, SuiteResult

LABELS = {
    "signals": "signals (six risk rules)",
    "top_k": "top-k P(up), no rules",
    "buy_and_hold": "buy and hold (equal weight)",
    "momentum_20d": "20-day momentum top-k",
}
#: Columns of the summary table: (metric key, header, format).
COLUMNS = (
    ("total_return", "total return", "{:+.2%}"),
    ("cagr", "CAGR", "{:+.2%}"),
    ("volatility", "volatility", "{:.2%}"),
    ("sharpe", "Sharpe", "{:.2f}"),
    ("sortino", "Sortino", "{:.2f}"),
    ("calmar", "Calmar", "{:.2f}"),
    ("max_drawdown", "max DD", "{:.2%}"),
    ("max_drawdown_sessions", "DD sessions", "{:d}"),
    ("n_trades", "trades", "{:d}"),
    ("win_rate", "win rate", "{:.1%}"),
    ("profit_factor", "profit factor", "{:.2f}"),
    ("expectancy", "expectancy", "{:+.3%}"),
    ("exposure", "exposure", "{:.1%}"),
    ("turnover", "turnover/yr", "{:.1f}"),
    ("probabilistic_sharpe", "PSR", "{:.3f}"),
    ("deflated_sharpe", "DSR", "{:.3f}"),
)


def _fmt(value: Any, spec: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and not np.isfinite(value):
        return "n/a"
    return spec.format(value)


def equity_figure(result: SuiteResult) -> Any:
    """Equity (normalised to 1) of every portfolio above, drawdowns below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dates = result.market.dates.astype("datetime64[D]").astype(object)
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(9, 5.5), dpi=80, sharex=True, gridspec_kw={"height_ratios": [3, 1.4]}
    )
    for name in PORTFOLIOS:
        run = result.runs[name]
        top.plot(
            dates,
            run.equity / result.initial,
            lw=1.3 if name == "signals" else 0.9,
            label=LABELS[name],
        )
        bottom.plot(
            dates, 100 * drawdown(np.concatenate([[result.initial], run.equity]))[1:], lw=0.9
        )
    w = result.window
    top.axvline(w.decision_end, color="grey", ls=":", lw=1)
    top.set_ylabel("equity (start = 1)")
    top.set_title(
        f"decisions {w.decision_start}..{w.decision_end}, outcomes to {w.last_session}, costs included",
        fontsize=9,
    )
    top.legend(fontsize=7, loc="upper left")
    bottom.set_ylabel("drawdown %")
    fig.tight_layout()
    return fig


def summary_lines(result: SuiteResult) -> list[str]:
    """A fixed-width table: one line per portfolio."""
    keys = ("total_return", "sharpe", "deflated_sharpe", "max_drawdown", "n_trades", "win_rate")
    head = f"{'portfolio':14s}" + "".join(f"{k:>17s}" for k in (*keys, "accuracy"))
    lines = [head]
    for name in PORTFOLIOS:
        m = result.metrics[name]
        cells = [_fmt(m[k], dict((c[0], c[2]) for c in COLUMNS)[k]) for k in keys]
        acc = m["accuracy"]
        cells.append(
            f"{acc['accuracy']:.3f} [{acc['ci95'][0]:.3f},{acc['ci95'][1]:.3f}]" if acc else "n/a"
        )
        lines.append(f"{name:14s}" + "".join(f"{c:>17s}" for c in cells))
    return lines


def html_report(result: SuiteResult, png: bytes, title: str, notes: list[str]) -> str:
    """A self-contained HTML page: the figure, the metrics of every portfolio, the notes."""
    rows = []
    for name in PORTFOLIOS:
        m = result.metrics[name]
        acc = m["accuracy"]
        cells = [_fmt(m.get(k), spec) for k, _, spec in COLUMNS]
        ci = m.get("sharpe_ci95")
        cells.insert(4, f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "n/a")
        cells.append(f"{acc['accuracy']:.3f} [{acc['ci95'][0]:.3f}, {acc['ci95'][1]:.3f}] (n={acc['n']})"
                     if acc else "n/a")  # fmt: skip
        rows.append(
            f"<tr><th>{html.escape(LABELS[name])}</th>"
            + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
            + "</tr>"
        )
    headers = [h for _, h, _ in COLUMNS]
    headers.insert(4, "Sharpe 95 %")
    headers.append("directional accuracy [95 %]")
    img = base64.b64encode(png).decode()
    notes_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}
th{{background:#f4f4f4}}</style></head><body>
<h1>{html.escape(title)}</h1>
<img alt="equity and drawdown" src="data:image/png;base64,{img}">
<table><tr><th>portfolio</th>{"".join(f"<th>{html.escape(h)}</th>" for h in headers)}</tr>
{"".join(rows)}</table>
<ul>{notes_html}</ul>
</body></html>
"""
