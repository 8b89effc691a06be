"""Figures of the model stages (matplotlib, Agg backend, imported inside the functions)."""

from __future__ import annotations

from typing import Any


def reliability_figure(bins: list[dict[str, float]], title: str) -> Any:
    """A reliability diagram from :func:`tft_assets.models.metrics.reliability_bins`: observed
    frequency against mean predicted probability per bin (marker area ~ rows), and the diagonal."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4), dpi=80)
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="perfect calibration")
    if bins:
        total = sum(b["count"] for b in bins)
        ax.scatter(
            [b["p_mean"] for b in bins],
            [b["observed"] for b in bins],
            s=[20 + 400 * b["count"] / total for b in bins],
            label="validation tail",
        )
        ax.plot([b["p_mean"] for b in bins], [b["observed"] for b in bins], lw=1)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(up)", ylabel="observed share up")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    return fig


def figure_png(fig: Any) -> bytes:
    """The PNG bytes of ``fig``, which is closed afterwards."""
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
