"""Valence carriers: the token frame's words with a valence, and their final valences.

:func:`carrier_valences` looks every distinct token up once (:func:`_vocabulary`), then works
on NumPy arrays indexed by token: a carrier without a rule word near it keeps its valence
(adjusted for ALL-CAPS emphasis only); the others get their neighbours gathered by index and
VADER's rules applied (:mod:`~tft_assets.posts.lexicon.rules`). The contrastive ``but``
applies to both.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from tft_assets.posts.lexicon.rules import (
    CAPS_INCREMENT,
    apply_but,
    apply_rules,
    rule_words_mask,
)
from tft_assets.posts.lexicon.tables import Lexicon

_PUNCTUATION = string.punctuation

#: Stand-in token for a sentence break while sentences are counted (a private-use code
#: point, not white space, removed before any rule sees the tokens).
SENTENCE_BREAK_TOKEN = "\ue000"


@lru_cache(maxsize=4)
def _lookup_frame(lexicons: tuple[Lexicon, ...]) -> pl.DataFrame:
    """One row per lower-case word: ``lw``, ``boost`` and ``v0``.. (valence per lexicon)."""
    words = sorted(set().union(*(lex.valence for lex in lexicons)) | set(lexicons[0].boosters))
    cols: dict[str, list] = {"lw": words, "boost": [lexicons[0].boosters.get(w) for w in words]}
    for j, lex in enumerate(lexicons):
        cols[f"v{j}"] = [lex.valence.get(w) for w in words]
    schema = {"lw": pl.String, "boost": pl.Float64}
    schema |= {f"v{j}": pl.Float64 for j in range(len(lexicons))}
    return pl.DataFrame(cols, schema=schema)


def _vocabulary(tok: pl.Series, lexicons: tuple[Lexicon, ...]) -> tuple[np.ndarray, pl.DataFrame]:
    """Token ids (index into the vocabulary) and the per-distinct-token features: ``lw``
    (VADER's punctuation-stripped lower-case word), ``upper``, ``boost``, ``v0``..,
    ``marker`` (a sentence-break stand-in)."""
    cat = tok.cast(pl.Categorical(pl.Categories.random()))
    ids = cat.to_physical().to_numpy()
    words = cat.dtype.categories.to_series().alias("tok")  # type: ignore[union-attr]
    stripped = pl.col("tok").str.strip_chars(_PUNCTUATION)
    w = pl.when(stripped.str.len_chars() <= 2).then(pl.col("tok")).otherwise(stripped)
    vocab = (
        pl.DataFrame({"tok": words})
        .with_columns(w.alias("w"))
        .with_columns(pl.col("w").str.to_lowercase().alias("lw"))
        .with_columns(
            ((pl.col("w") == pl.col("w").str.to_uppercase()) & (pl.col("w") != pl.col("lw"))).alias(
                "upper"
            ),
            (pl.col("tok") == SENTENCE_BREAK_TOKEN).alias("marker"),
        )
        .join(_lookup_frame(lexicons), on="lw", how="left", maintain_order="left")
    )
    return ids, vocab


@dataclass(frozen=True)
class _VocabFeatures:
    """Per distinct token (index = token id): ``lw`` (lower-case word), ``upper``,
    ``boost`` (booster value or null), ``boost_null``, ``hit`` / ``val`` (lexicon x token:
    the word has a valence / that valence, 0.0 without), and the words ``but``, ``kind``,
    ``of``."""

    lw: pl.Series
    upper: np.ndarray
    boost: pl.Series
    boost_null: np.ndarray
    hit: np.ndarray
    val: np.ndarray
    is_but: np.ndarray
    is_kind: np.ndarray
    is_of: np.ndarray

    @classmethod
    def of(cls, vocab: pl.DataFrame, k_lex: int) -> _VocabFeatures:
        lw = vocab.get_column("lw")
        boost = vocab.get_column("boost")
        return cls(
            lw=lw,
            upper=vocab.get_column("upper").to_numpy(),
            boost=boost,
            boost_null=boost.is_null().to_numpy(),
            hit=np.stack(
                [vocab.get_column(f"v{j}").is_not_null().to_numpy() for j in range(k_lex)]
            ),
            val=np.stack(
                [vocab.get_column(f"v{j}").fill_null(0.0).to_numpy() for j in range(k_lex)]
            ),
            is_but=(lw == "but").to_numpy(),
            is_kind=(lw == "kind").to_numpy(),
            is_of=(lw == "of").to_numpy(),
        )


@dataclass(frozen=True)
class _Tokens:
    """Per token, in text order (sentence-break stand-ins dropped): ``ids`` (token id),
    ``seg``, ``pos`` (position in its segment), ``n_tok`` (tokens of its segment),
    ``breaks_before`` (sentence breaks before it, counted over all segments; empty unless
    sentences are asked for). Per segment: ``cap_diff`` (some but not all words are upper
    case), ``but_pos`` (position of the first ``but``, -1 without), ``breaks_base`` (sentence
    breaks before its first token)."""

    ids: np.ndarray
    seg: np.ndarray
    pos: np.ndarray
    n_tok: np.ndarray
    breaks_before: np.ndarray
    cap_diff: np.ndarray
    but_pos: np.ndarray
    breaks_base: np.ndarray

    def sentence_of(self, at: np.ndarray) -> np.ndarray:
        """Sentence index (within its text) of the tokens at ``at``."""
        return (self.breaks_before[at] - self.breaks_base[self.seg[at]]).astype(np.uint32)


def _sentence_breaks(
    ids: np.ndarray, seg_ids: np.ndarray, marker: np.ndarray, n_seg: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``ids`` and ``seg_ids`` without the sentence-break stand-ins (``marker`` per token id),
    the breaks before each remaining token and the breaks before each segment's first token
    (the stand-ins count, then leave)."""
    brk = marker[ids]
    breaks_before = np.cumsum(brk, dtype=np.int64) - brk
    per_seg = np.bincount(seg_ids, weights=brk, minlength=n_seg).astype(np.int64)
    breaks_base = np.cumsum(per_seg) - per_seg
    if brk.any():
        keep = ~brk
        ids, seg_ids, breaks_before = ids[keep], seg_ids[keep], breaks_before[keep]
    return ids, seg_ids, breaks_before, breaks_base


def _first_but(is_but: np.ndarray, seg_ids: np.ndarray, pos: np.ndarray, n_seg: int) -> np.ndarray:
    """Position of the first ``but`` of each segment (-1 without); ``is_but`` per token."""
    but_at = np.flatnonzero(is_but)
    but_pos_seg = np.full(n_seg, -1, dtype=np.int64)
    but_segs = seg_ids[but_at]
    first_but = np.ones(len(but_at), dtype=bool)
    first_but[1:] = but_segs[1:] != but_segs[:-1]
    but_pos_seg[but_segs[first_but]] = pos[but_at[first_but]]
    return but_pos_seg


def _token_arrays(
    ids: np.ndarray,
    seg_ids: np.ndarray,
    marker: np.ndarray,
    voc: _VocabFeatures,
    n_seg: int,
    sentences: bool,
) -> _Tokens:
    breaks_before = np.zeros(0, dtype=np.int64)
    breaks_base = np.zeros(0, dtype=np.int64)
    if sentences:
        ids, seg_ids, breaks_before, breaks_base = _sentence_breaks(ids, seg_ids, marker, n_seg)
    n_tok_seg = np.bincount(seg_ids, minlength=n_seg)
    n_up_seg = np.bincount(seg_ids, weights=voc.upper[ids], minlength=n_seg)
    starts = np.concatenate(([0], np.cumsum(n_tok_seg)[:-1]))
    pos = np.arange(len(ids), dtype=np.int64) - starts[seg_ids]
    return _Tokens(
        ids=ids,
        seg=seg_ids,
        pos=pos,
        n_tok=n_tok_seg[seg_ids],
        breaks_before=breaks_before,
        cap_diff=(n_tok_seg - n_up_seg > 0) & (n_up_seg > 0),
        but_pos=_first_but(voc.is_but[ids], seg_ids, pos, n_seg),
        breaks_base=breaks_base,
    )


def _carriers(
    tk: _Tokens, voc: _VocabFeatures, seg_mask: np.ndarray, k_lex: int
) -> tuple[np.ndarray, np.ndarray]:
    """Token indices of the valence carriers and the lexicon of each (Int8): a token with a
    valence in a lexicon its segment serves, no booster, not the ``kind`` of "kind of"."""
    ids = tk.ids
    last = tk.pos == tk.n_tok - 1
    nxt = np.empty(len(ids), dtype=bool)
    nxt[:-1] = voc.is_of[ids[1:]]
    nxt[-1:] = False
    kind_of = voc.is_kind[ids] & nxt & ~last
    carrier_any = voc.boost_null[ids] & ~kind_of
    masks = seg_mask[tk.seg]
    idx_parts, lex_parts = [], []
    for j in range(k_lex):
        sel = np.flatnonzero(carrier_any & voc.hit[j][ids] & (((masks >> j) & 1) == 1))
        idx_parts.append(sel)
        lex_parts.append(np.full(len(sel), j, dtype=np.int8))
    return np.concatenate(idx_parts), np.concatenate(lex_parts)


def _near_rule_words(tk: _Tokens, idx: np.ndarray, special: np.ndarray) -> np.ndarray:
    """Per carrier at ``idx``: it is a rule word (``special`` per token: booster, negation,
    idiom word, "no", "least", ...) or one is among the three words before it or two after."""
    total = len(tk.ids)
    n_tok_i = tk.n_tok[idx]
    pos_i = tk.pos[idx]
    involved = special[idx].copy()
    for k in (1, 2, 3):
        involved |= (pos_i >= k) & special[np.maximum(idx - k, 0)]
    for k in (1, 2):
        involved |= (pos_i + k <= n_tok_i - 1) & special[np.minimum(idx + k, total - 1)]
    return involved


def _plain_valences(
    tk: _Tokens, voc: _VocabFeatures, idx: np.ndarray, lex_id: np.ndarray, sentences: bool
) -> pl.DataFrame:
    """Carriers with no rule word around them keep their valence, adjusted for ALL-CAPS
    emphasis only: ``seg``, ``lex``, ``v``, ``pos``, ``but_pos`` (and ``sentence``)."""
    v = voc.val[lex_id, tk.ids[idx]]
    caps = voc.upper[tk.ids[idx]] & tk.cap_diff[tk.seg[idx]]
    v = np.where(caps, np.where(v > 0, v + CAPS_INCREMENT, v - CAPS_INCREMENT), v)
    cols: dict[str, object] = {
        "seg": tk.seg[idx].astype(np.uint32),
        "lex": lex_id,
        "v": v,
        "pos": tk.pos[idx],
        "but_pos": tk.but_pos[tk.seg[idx]],
    }
    if sentences:
        cols["sentence"] = tk.sentence_of(idx)
    return pl.DataFrame(cols)


def _neighbour_columns(
    tk: _Tokens, voc: _VocabFeatures, idx: np.ndarray, lex_id: np.ndarray
) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """The three words before each carrier (``p1``..``p3``: word, lexicon hit, booster,
    case) and the two after it (``n1``, ``n2``: word, lexicon hit), with a validity mask per
    neighbour (it lies in the carrier's segment)."""
    total = len(tk.ids)
    pos_c = tk.pos[idx]
    cols: dict[str, object] = {}
    valid: dict[str, np.ndarray] = {}
    for k in (1, 2, 3):
        ok = pos_c >= k
        at = tk.ids[np.where(ok, idx - k, 0)]
        cols[f"p{k}"] = voc.lw.gather(at)
        cols[f"p{k}_lex"] = voc.hit[lex_id, at]
        cols[f"p{k}_boost"] = voc.boost.gather(at)
        cols[f"p{k}_upper"] = voc.upper[at]
        valid[f"p{k}"] = ok
    n_tok_c = tk.n_tok[idx]
    for k in (1, 2):
        ok = pos_c + k <= n_tok_c - 1
        at = tk.ids[np.where(ok, np.minimum(idx + k, total - 1), 0)]
        cols[f"n{k}"] = voc.lw.gather(at)
        cols[f"n{k}_lex"] = voc.hit[lex_id, at]
        valid[f"n{k}"] = ok
    return cols, valid


def _ruled_valences(
    tk: _Tokens,
    voc: _VocabFeatures,
    idx: np.ndarray,
    lex_id: np.ndarray,
    lex: Lexicon,
    sentences: bool,
) -> pl.DataFrame:
    """Carriers with a rule word near: their neighbours gathered by index (null outside
    the segment), then VADER's rules (:func:`~tft_assets.posts.lexicon.rules.apply_rules`)."""
    seg_c = tk.seg[idx]
    cols: dict[str, object] = {
        "seg": seg_c.astype(np.uint32),
        "lex": lex_id,
        "lw": voc.lw.gather(tk.ids[idx]),
        "lex_v": voc.val[lex_id, tk.ids[idx]],
        "upper": voc.upper[tk.ids[idx]],
        "cap_diff": tk.cap_diff[seg_c],
        "pos": tk.pos[idx],
        "but_pos": tk.but_pos[seg_c],
    }
    neighbours, valid = _neighbour_columns(tk, voc, idx, lex_id)
    cols |= neighbours
    if sentences:
        cols["sentence"] = tk.sentence_of(idx)
    h = pl.DataFrame(cols)
    valid_frame = pl.DataFrame({f"_ok_{key}": ok for key, ok in valid.items()})
    h = h.hstack(valid_frame)
    nullable = []
    for key in valid:
        suffixes = ("", "_lex", "_boost", "_upper") if key.startswith("p") else ("", "_lex")
        for suffix in suffixes:
            name = key + suffix
            nullable.append(pl.when(pl.col(f"_ok_{key}")).then(pl.col(name)).alias(name))
    h = h.with_columns(nullable).drop(valid_frame.columns)
    cols_out = ["seg", "lex", "v", "pos", "but_pos"] + (["sentence"] if sentences else [])
    return apply_rules(h, lex).select(cols_out)


def carrier_valences(
    tokens: pl.DataFrame, seg_mask: np.ndarray, lexicons: tuple[Lexicon, ...], sentences: bool
) -> pl.DataFrame:
    """Final valence of every valence-carrying token, per lexicon its segment serves:
    columns ``seg``, ``lex`` (lexicon index), ``v`` and, with ``sentences``, ``sentence``.
    ``tokens``: ``seg`` (UInt32) and ``tok`` (non-empty), in text order; ``seg_mask``: per
    segment, bit j set when it serves lexicon j."""
    k_lex = len(lexicons)
    ids, vocab = _vocabulary(tokens.get_column("tok"), lexicons)
    voc = _VocabFeatures.of(vocab, k_lex)
    marker = vocab.get_column("marker").to_numpy()
    seg_ids = tokens.get_column("seg").to_numpy()
    tk = _token_arrays(ids, seg_ids, marker, voc, len(seg_mask), sentences)
    idx, lex_id = _carriers(tk, voc, seg_mask, k_lex)
    if len(idx) == 0:
        out_schema = {"seg": pl.UInt32, "lex": pl.Int8, "v": pl.Float64}
        if sentences:
            out_schema["sentence"] = pl.UInt32
        return pl.DataFrame(schema=out_schema)
    involved = _near_rule_words(tk, idx, rule_words_mask(voc.lw, lexicons[0])[tk.ids])
    parts = []
    plain = ~involved
    if plain.any():
        parts.append(_plain_valences(tk, voc, idx[plain], lex_id[plain], sentences))
    if involved.any():
        ruled = _ruled_valences(tk, voc, idx[involved], lex_id[involved], lexicons[0], sentences)
        parts.append(ruled)
    return apply_but(pl.concat(parts), sentences)
