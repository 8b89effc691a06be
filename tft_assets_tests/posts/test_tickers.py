"""Ticker extraction: table-driven rules and the hand-labelled real WSB set."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest

from tft_assets.posts import ScoringConfig, extract_tickers
from tft_assets.posts.evaluation import evaluate_tickers, ticker_scores
from tft_assets.posts.tickers import ACCEPT_SCORE, WEIGHTS, mention_evidence
from tft_assets.posts.tickers.evidence import COMPONENTS
from tft_assets_tests.conftest import REAL_DATA, require_real_data

DATA = Path(__file__).resolve().parent / "data"
SCREENER = REAL_DATA / "us_tickers_nasdaq_screener_2021-02-28.csv.gz"


def _tickers(texts: list[str], cfg: ScoringConfig | None = None) -> list[list[str]]:
    c = cfg or ScoringConfig()
    return extract_tickers(pl.Series(texts), c.universe(), c.focus_symbols())["tickers"].to_list()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$GME to the moon", ["GME"]),
        ("$gme and $tsla", ["GME", "TSLA"]),
        ("Bought BRK.B and BF-B today", ["BRK.B", "BF.B"]),
        ("GameStop and BlackBerry and Tesla", ["GME", "BB", "TSLA"]),
        ("I think IT is ALL ON the CEO, DD says YOLO, A CAN do", []),
        ("$ALL cashtags always count", ["ALL"]),
        # an order's quantity glued to the cashtag (labelled so in wsb_tickers_blind9)
        ("my order: 3$GME, 42$BBBY, 200$NOK", ["GME", "BBBY", "NOK"]),
        ("I paid 300$ for it, 12$ each", []),
        ("F 12c expiring friday", ["F"]),
        ("F this, I am out", []),
        ("gme tendies", ["GME"]),
        ("THIS IS THE BEST DAY EVER FOR REAL", []),
        ("GME, NOK, BB to the moon", ["GME", "NOK", "BB"]),
        ("nothing here at all", []),
        ("", []),
        # ETFs and small caps from the bundled US listings
        ("$SPY calls, also SLV, GDX and UVXY", ["SPY", "SLV", "GDX", "UVXY"]),
        ("Liking AG and PSLV", ["AG", "PSLV"]),
        # a lower-case symbol that is no English word counts with stock context
        ("expr is exploding right now 🚀🚀", ["EXPR"]),
        ("I want more time to look at it", []),
        # shouted words hide upper-case symbols, a strong neighbour keeps one
        ("HOLD THE LINE :---", []),
        ("AMC/GME PLAYS ARE OVER PTON PUTS ARE IN", ["AMC", "GME", "PTON"]),
        # currencies, exchanges and index shorthand
        ("USD 20K on the ASX, SP 500 down", []),
        ("🚀🚀GameStop, let's fly", ["GME"]),
        # a CamelCase name written as two words
        ("imagine game stop turns into a pc store", ["GME"]),
        # the first word of a listed company's name, as a proper noun with stock context
        ("I bought calls on Amazon and Funko today", ["AMZN", "FNKO"]),
        ("I bought calls on amazon", []),  # an English word: proper noun only
        ("Buckle up, buy the dip", []),  # an English word starting a sentence
        ("Ryan Cohen bought more shares", []),  # part of a person's name
        ("Shares Of Apple Are Up Today", []),  # headline case
        ("this is the news everyone wants, buy", []),  # one-word English name: no alias
        ("one and done, sold my shares", []),  # a name cut at a stop word is no alias
        # a symbol that is no word, listed beside a watched one, survives shouting
        ("DO NOT LOSE FOCUS DUE TO EXPR, NOK, AMC", ["EXPR", "NOK", "AMC"]),
        ("TOMORROW PUMP GME AND NAKD AT ONCE", ["GME", "NAKD"]),
        # a symbol that is no word nor a frequent token is no shouted word; chat tokens are
        ("CTRM TO THE MOON", ["CTRM"]),
        ("GME IS TOO EXPENSIVE FOR ALOT OF PPL", ["GME"]),
        ("get the cash app and buy shares", []),
        # a rare dictionary word is no ordinary word ("aal", "gogo"); a common one needs context
        ("not one mention of AAL and then it rockets", ["AAL"]),
        ("it's okay spy , you can let it go", []),
        # ... or, watched, in capitals in a lower-case text (labelled SPY in wsb_tickers_blind)
        ("it's okay SPY , you can let it go", ["SPY"]),
        ("Spy is a word here", []),
        # fund and blank-check names make no alias; a capitalised plural of a name counts
        ("there are 4 GameStops near me", ["GME"]),
        ("iShares owns the trust", []),
        # a common word stays a word beside a strong one; an ellipsis separates tokens
        ("GOT A LOAN, ALL IN FOR MORE SHARES $GME", ["GME"]),
        ("So long XOM…It’s been a long 2 years", ["XOM"]),
        ("Nasdaq 100 futures cross below the 200 day average, buy puts", []),
        ("can it turn into a digital asset, buy shares", []),
        # an apostrophe in a company name
        ("I work at McDonalds, bought shares of McDonald's", ["MCD"]),
        # half of a ratio is no symbol; a slash between symbols still separates them
        ("negative P/E and EV/S, so IWO puts", ["IWO"]),
        ("GME/BB calls", ["GME", "BB"]),
        # a very frequent word names no company, even capitalised with stock context near
        ("bumped the stock 11% on News but nobody reports it", []),
        # one of the most frequent English words counts only as a cashtag
        ("AMC and EXPR are where its at. AND GME!!!", ["AMC", "EXPR", "GME"]),
        ("MORE TIME, $MORE", ["MORE"]),
        # a symbol declared in parentheses after a name needs no other context
        ("Ford (F): high div yield. Realty Income Corp (O) too", ["F", "O"]),
        ("Pick one: (A) wait (B) buy", []),
        ("SPY undervalued imo", ["SPY"]),
        ("We are at 200dma support on SPY", ["SPY"]),
        # a symbol amid a list of tickers survives shouting
        (
            "FAKE NEWS! SLV GME NOK BB AG PLTR THE WORLD IS WATCHING",
            ["SLV", "GME", "NOK", "BB", "AG", "PLTR"],
        ),
        # time zones, units and chart jargon are no symbols
        ("It is 3:16am CST and $GME is up 30%, RSI says more", ["GME"]),
        # a watched symbol that is an English word needs context in lower case
        ("a nice Eminem style dis yourself", []),
        ("baba calls printing", ["BABA"]),
    ],
)
def test_rules(text: str, expected: list[str]) -> None:
    assert _tickers([text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # acronyms in shouted text: no casing evidence, and only neighbours count there
        ("IM KNEE DEEP IN BBBY PUTS!!!", ["BBBY"]),
        ("If you got out in time, PLOW YOUR PROFITS INTO $BBBY.", ["BBBY"]),
        ("ME APE BUY PHYSICAL 10KG OF AG!!!! TOTAL 🦍💩 NOW !!!", []),
        ("NAKD NOK AND BB IM IN!!!!", ["NAKD", "NOK", "BB"]),
        # ... while a list keeps a symbol that could be a word
        ("AMC, EXPR, GEO, CXW !!!!!", ["AMC", "EXPR", "GEO", "CXW"]),
        # an acronym that is a familiar token of text, and nothing else near it
        ("Why would the MSM lie again about it? Who owns them?", []),
        # a broker, platform or product read as its (delisted) parent's symbol
        ("Just opened a TD Ameritrade account, how do I buy GME when the market opens?", ["GME"]),
        ("I used the stock screener on td ameritrade and searched for shorts", []),
        # everyday phrases that spell a company name
        ("Options on $AG would be like rocket fuel to Alpha Centauri", ["AG"]),
        ("give their trade desk a call during market hours and tell them", []),
        ("I locked in a 2.375% 30 year 0 down home loan. Just buy Bitcoin!", []),
        ("in the last week I lost 2.5k and im on track to lose my whole portfolio", []),
        ("My hometown has 3 within 15 minutes of each other", []),
        # a word of a longer name: a person's, an office's, a company's legal form
        ("See also JP Morgan's 1-billion-dollar fine which they recently paid.", []),
        ("The Texas AG just filed a civil investigation and demanded preservation of evidence", []),
        ("I was reading how Rosemary Kennedy got a lobotomy; Kennedy never recovered", []),
        ("Porsche AG is owned by Volkswagen AG who is owned by Porsche SE", []),
        ("First Majestic AG all the way baby", ["AG"]),
        ("I'm jumping on the EXPR Train", ["EXPR"]),
        # bot tables: a company-name cell and the header row name no security
        (
            "**Ticker**|**Mentions**|**Company**\n:--|:--|:--\nPTON|68|Peloton Interactive, Inc."
            "\nKODK|71|Eastman Kodak Company\nAUY|5|Yamana Gold AG",
            ["PTON", "KODK", "AUY"],
        ),
        ("|**Ticker**|**Strike**|**OI**|\n|:-|:-|:-|\n|**BBBY**|**$29**|**0**|", ["BBBY"]),
        # links and subreddits: only the visible words count
        ("https://finance.yahoo.com/quote/BBBY/key-statistics?p=BBBY", []),
        ("[CVM](https://finance.yahoo.com/q?s=CVM)CEL-SCI Corporation", ["CVM"]),
        ("Check out r/CTRM", []),
        # units after a number are no symbols
        ("silver just hit $29/oz and PAAS is up", ["PAAS"]),
        # silver-squeeze symbols written bare, in lower case, as hashtags
        ("ag stock silver miner with a 26% short interest went crazy", ["AG"]),
        ("#silversqueeze is coming #pslv", ["PSLV"]),
        ("BB not valid either", ["BB"]),
    ],
)
def test_evidence_decides(text: str, expected: list[str]) -> None:
    assert _tickers([text]) == [expected]


def _points(text: str, symbol: str, component: str) -> list[float]:
    c = ScoringConfig()
    ev = mention_evidence(pl.Series([text]), c.universe(), c.focus_symbols())
    return ev.filter(pl.col("symbol") == symbol).get_column(component).to_list()


@pytest.mark.parametrize(
    ("text", "symbol", "component", "points"),
    [
        # form: what matched
        ("$GME", "GME", "form_points", 4.0),
        ("holding GME", "GME", "form_points", 1.5),
        ("rocket fuel for everyone", "FUEL", "form_points", -3.5),
        ("GameStop is up", "GME", "form_points", 2.5),
        # ambiguity: length, English word, word frequency
        ("holding AG", "AG", "ambiguity", -1.5),
        ("holding PLOW", "PLOW", "ambiguity", -2.5),
        ("holding CTRM", "CTRM", "ambiguity", 0.0),
        # casing relative to the text's own casing
        ("it's okay SPY , you can let it go", "SPY", "casing", 1.0),  # watched, 3+ letters
        ("I got AG calls, ok", "AG", "casing", 0.5),
        ("PLOW YOUR PROFITS INTO $BBBY", "PLOW", "shouted_word", -1.5),
        ("holding CTRM", "CTRM", "casing", 0.0),  # an acronym's casing says nothing
        # neighbours and context
        ("Ford (F): high div yield", "F", "declared", 4.0),
        ("ag stock silver miner", "AG", "strong", 3.0),
        ("SLV $24C 8/21", "SLV", "strong", 3.0),
        ("#silversqueeze is coming #pslv", "PSLV", "hashtag", 3.0),
        ("We are at 200dma support on SPY", "SPY", "context", 1.5),
        ("AMC, EXPR, GEO, CXW", "GEO", "beside_ticker", 5.0),
        ("NAKD NOK AND BB IM IN", "IM", "beside_ticker", 0.0),
        ("Realty Income Corp (O) too", "O", "company", 3.0),
        # usage and layout
        ("I think JP Morgan is really bad for silver", "JP", "longer_name", -2.0),
        ("Just opened a TD Ameritrade account today", "AMTD", "platform", -5.0),
        ("https://finance.yahoo.com/quote/BBBY/key-statistics?p=BBBY", "BBBY", "layout", -10.0),
        ("Check out r/CTRM", "CTRM", "layout", -10.0),
    ],
)
def test_evidence_components(text: str, symbol: str, component: str, points: float) -> None:
    got = _points(text, symbol, component)
    assert got and got[0] == pytest.approx(points)


def test_evidence_threshold_and_weights() -> None:
    # the score is the sum of its components; a mention reaches ACCEPT_SCORE
    c = ScoringConfig()
    texts = pl.Series(["holding AG and SLV", "SPY calls", "it's okay SPY , you can let it go"])
    ev = mention_evidence(texts, c.universe(), c.focus_symbols())
    parts = ev.select(pl.sum_horizontal(list(COMPONENTS))).to_series()
    assert (parts - ev.get_column("score")).abs().max() < 1e-9
    assert ev.get_column("accepted").to_list() == (ev.get_column("score") >= ACCEPT_SCORE).to_list()
    # other weights, other decisions: a two-letter symbol outside a list of tickers stays out
    # ("AG and SLV" is one: its in_list points count only where they are not zero)
    strict = mention_evidence(
        texts,
        c.universe(),
        c.focus_symbols(),
        dataclasses.replace(WEIGHTS, two_letters=-9.0, in_list=0.0),
    )
    assert "AG" not in strict.filter(pl.col("accepted")).get_column("symbol").to_list()
    listed = mention_evidence(
        texts, c.universe(), c.focus_symbols(), dataclasses.replace(WEIGHTS, two_letters=-9.0)
    )
    assert listed.filter(pl.col("symbol") == "AG").get_column("in_list").to_list() == [3.5]


def test_extraction_agrees_with_the_full_evidence() -> None:
    # the extractor looks components up only where they can decide: what it keeps must be
    # what the full evidence accepts (one mention per span aside)
    c = ScoringConfig()
    texts = pl.read_csv(DATA / "wsb_tickers_evidence_dev.csv").get_column("text")
    got = extract_tickers(texts, c.universe(), c.focus_symbols())["tickers"].to_list()
    ev = mention_evidence(texts, c.universe(), c.focus_symbols()).filter(pl.col("accepted"))
    accepted = ev.group_by("row").agg(pl.col("symbol").unique()).rows()
    by_row = {row: set(syms) for row, syms in accepted}
    assert all(set(g) <= by_row.get(i, set()) for i, g in enumerate(got))
    assert sum(len(g) for g in got) >= 0.98 * sum(len(v) for v in by_row.values())


def test_spans_point_at_the_mention() -> None:
    text = "I like $GME and GameStop, also BRK.B."
    c = ScoringConfig()
    out = extract_tickers(pl.Series([text]), c.universe(), c.focus_symbols())
    mentions = out["mentions"].to_list()[0]
    assert [(m["symbol"], m["method"], text[m["start"] : m["end"]]) for m in mentions] == [
        ("GME", "cashtag", "$GME"),
        ("GME", "name", "GameStop"),
        ("BRK.B", "symbol", "BRK.B"),
    ]


def test_ticker_scores_counts_pairs() -> None:
    s = ticker_scores([["A", "B"], []], [["A"], ["C"]])
    assert (s["tp"], s["fp"], s["fn"]) == (1, 1, 1)
    assert s["precision"] == 0.5 and s["recall"] == 0.5


def test_a_symbol_in_play_lifts_its_weaker_mentions_in_other_texts() -> None:
    c = ScoringConfig()
    alone = ["Why did they freeze AG???", "Why did they freeze the AG???", "Ctrm gonna triple"]
    assert _tickers(alone) == [[], [], []]
    batch = ["Loaded up on $AG calls", *alone, "CTRM and NAKD to the moon"]
    # not after a determiner: "the AG" is a noun of the sentence
    assert _tickers(batch) == [["AG"], ["AG"], [], ["CTRM"], ["CTRM", "NAKD"]]
    # a text's mentions depend on the texts scored with it, not on their order
    assert _tickers(batch[::-1]) == _tickers(batch)[::-1]
    # the symbols in play can be given: a frame scored in chunks uses the whole frame's
    given = extract_tickers(pl.Series(alone), c.universe(), c.focus_symbols(), frozenset({"AG"}))
    assert given["tickers"].to_list() == [["AG"], [], []]
    ev = mention_evidence(pl.Series(batch), c.universe(), c.focus_symbols())
    lifted = ev.filter(pl.col("in_play") > 0)
    assert set(lifted["symbol"]) == {"AG", "CTRM"} and lifted["accepted"].all()


def test_a_chat_word_read_once_in_lower_case_puts_nothing_in_play() -> None:
    # "tik tok" beside tickers reads as TIK and TOK once: no evidence for another text
    batch = ["lots of BB and NOK kids from tik tok", "AMC is pumped by tik tok and you tubers"]
    got = _tickers(batch)
    assert "TIK" not in got[1] and "TOK" not in got[1]


def test_cashtags_of_symbols_no_listing_has() -> None:
    texts = ["$MTTR to the moon", "$ROPE myself", "$SLVRF is cheap", "$LOL", "$TSLA and $mttr"]
    # a listing the universe lacks; not a word, a familiar token or an OTC foreign issue;
    # in upper case only
    assert _tickers(texts) == [["MTTR"], [], [], [], ["TSLA"]]


def test_unlisted_symbols_in_a_list_of_tickers() -> None:
    texts = [
        "Georgia legalizing weed tonight, sending APHA, ACB, and TLRY to the moon",
        "AG and SSRM, SLV has no leverage",
        "Silver stocks:  AG, FSM, MAG, SVM, SILV, NUPMF.",
        "NOK\n\nXSPA\n\nEXPR",
        # no ticker in the list, plain spaces, a word, a familiar token, an OTC foreign issue
        "APHA, ACB, and QWXZ are weed names",
        "GME SSRM to the moon",
        "TSLA, SURF, CEO and USA",
    ]
    assert [sorted(t) for t in _tickers(texts)] == [
        ["ACB", "APHA", "TLRY"],
        ["AG", "SLV", "SSRM"],
        ["AG", "FSM", "MAG", "SILV", "SVM"],
        ["EXPR", "NOK", "XSPA"],
        [],
        ["GME"],
        ["TSLA"],
    ]
    c = ScoringConfig()
    ev = mention_evidence(pl.Series(texts[:1]), c.universe(), c.focus_symbols())
    added = ev.filter(pl.col("form") == "enumerated")
    assert set(added["symbol"]) == {"ACB", "APHA"} and (added["in_list"] > 0).all()


def test_a_listed_symbol_in_a_list_of_tickers_outweighs_its_doubts() -> None:
    texts = [
        "do you have any plan for CEI, SHIP, CTRM or SNDL?? PLEASE",
        "NOK,SYN, and CTRM!!!!!!",
        "What's the difference between ag and slv and is the squeeze on both?",
        "TAKING MY MONEY OUT OF SPY LETS GO GAMESTOP/AMC/X/BB/EXPR",
    ]
    got = _tickers(texts)
    assert "SHIP" in got[0] and "SYN" in got[1] and "AG" in got[2] and "BB" in got[3]
    # alone, or beside words only, each stays a word
    assert _tickers(["SHIP it", "the ag tips", "P/E and EV/S"]) == [[], [], []]


def test_hand_labelled_wsb_set_package_universe() -> None:
    labels = pl.read_csv(DATA / "wsb_tickers_labelled.csv")
    s = evaluate_tickers(labels)
    # measured: precision 1.000 (0.990 before the evidence score), recall 0.919; the misses
    # are symbols outside the US listings (SSV, CPU, AAG), absent from the bundled files
    # (MDLA, SONY) or a plain-word company name (Peloton)
    assert s["precision"] >= 0.97
    assert s["recall"] >= 0.9


def test_hand_labelled_hold_out_set() -> None:
    # labelled by hand before the extractor ever ran on it; measured on the first run:
    # precision 0.931, recall 0.942; after rule fixes prompted by it: 0.976 / 0.954; with
    # the evidence score 0.988 / 0.965 ("r/CTRM" is a subreddit now)
    labels = pl.read_csv(DATA / "wsb_tickers_holdout.csv")
    s = evaluate_tickers(labels)
    assert s["precision"] >= 0.95
    assert s["recall"] >= 0.93


@pytest.mark.parametrize(
    ("name", "rows", "precision", "recall"),
    [
        # 160 texts labelled blind to the extractor (see data/README.md); first run:
        # precision 0.969, recall 0.924; with the evidence score: 0.994 / 0.941
        ("wsb_tickers_blind.csv", 160, 0.98, 0.93),
        # first run 0.959 / 0.917; with the evidence score 0.995 / 0.937
        ("wsb_tickers_blind2.csv", 200, 0.98, 0.93),
        # first run 0.938 / 0.899; with the evidence score 0.961 / 0.908. Left: renames and
        # delistings (FB -> META, DWAC, APHA), "ag" in any case, names as plain words
        ("wsb_tickers_blind3.csv", 200, 0.95, 0.9),
        # first run (2ca1b24) 0.960 / 0.928; with the evidence score 0.980 / 0.937
        ("wsb_tickers_blind4.csv", 200, 0.97, 0.93),
        # first run (b09dd71) 0.963 / 0.909; with the evidence score 0.995 / 0.924
        ("wsb_tickers_blind5.csv", 200, 0.98, 0.91),
        # the evidence score was not tuned on these two: 0.985 / 0.955 and 0.977 / 0.951
        # before it, 0.995 / 0.955 and 0.981 / 0.942 with it
        ("wsb_tickers_blind6.csv", 200, 0.98, 0.94),
        ("wsb_tickers_blind7.csv", 200, 0.97, 0.93),
        # labelled blind for the evidence score and tuned on: first runs 0.971 / 0.892 and
        # 0.915 / 0.943 (the rule extractor), 0.985 / 0.905 and 0.944 / 0.954 now
        ("wsb_tickers_evidence_dev.csv", 300, 0.97, 0.89),
        ("wsb_tickers_evidence_dev2.csv", 200, 0.93, 0.94),
        # labelled blind after the evidence score was tuned, never tuned on: the rule
        # extractor 0.947 / 0.927, the evidence score (first run) 0.962 / 0.932
        ("wsb_tickers_evidence_check.csv", 200, 0.95, 0.92),
        # labelled by labellers who saw only the guide and the texts, committed (33b7830,
        # c48feee) and kept out of every run until the evidence score was final; first runs at
        # 19edc31: 0.994 / 0.927 and 0.971 / 0.902 (pooled 0.983 / 0.915: recall short of 0.95)
        ("wsb_tickers_blind8.csv", 200, 0.98, 0.91),
        ("wsb_tickers_blind9.csv", 200, 0.96, 0.89),
        # the same way (b90910a), kept out of every run until fe93c9f: first runs 0.987 / 0.935
        # and 0.983 / 0.940 (pooled 0.985 / 0.937: recall short of 0.95)
        ("wsb_tickers_blind10.csv", 200, 0.98, 0.93),
        # 0.978 / 0.956 since lists of tickers name unlisted symbols: its labels leave out
        # ATD of "ATD, BB , BBBY, GME, SURF" (a TSX listing, "unclear" to the labellers)
        ("wsb_tickers_blind11.csv", 200, 0.97, 0.93),
        # the same way (b2fe1de), kept out of every run until 110f351: first runs 0.982 / 0.953
        # and 0.983 / 0.950 (pooled 0.982 / 0.952: both targets met)
        ("wsb_tickers_blind12.csv", 200, 0.98, 0.95),
        ("wsb_tickers_blind13.csv", 200, 0.98, 0.95),
    ],
)
def test_blind_labelled_sets(name: str, rows: int, precision: float, recall: float) -> None:
    s = evaluate_tickers(pl.read_csv(DATA / name))
    assert s["n"] == rows
    assert s["precision"] >= precision
    assert s["recall"] >= recall


@pytest.mark.parametrize(
    ("name", "precision", "recall"),
    [
        # first run (2ca1b24) 0.956 / 0.947; with the evidence score 0.980 / 0.957
        ("wsb_tickers_blind4.csv", 0.97, 0.95),
        # not tuned on: 0.980 / 0.970 and 0.982 / 0.964 before the evidence score,
        # 0.990 / 0.970 and 0.986 / 0.955 with it
        ("wsb_tickers_blind6.csv", 0.98, 0.96),
        ("wsb_tickers_blind7.csv", 0.97, 0.94),
        # first run of the evidence score, never tuned on: 0.963 / 0.943
        ("wsb_tickers_evidence_check.csv", 0.95, 0.93),
        # first runs at 19edc31: 0.994 / 0.927 and 0.971 / 0.918
        ("wsb_tickers_blind8.csv", 0.98, 0.91),
        ("wsb_tickers_blind9.csv", 0.96, 0.90),
        # first runs at fe93c9f: 0.981 / 0.935 and 0.983 / 0.945
        ("wsb_tickers_blind10.csv", 0.98, 0.93),
        # ATD as above
        ("wsb_tickers_blind11.csv", 0.97, 0.94),
    ],
)
def test_blind_sets_with_the_periods_listing_files(
    name: str, precision: float, recall: float
) -> None:
    companies = REAL_DATA / "us_companies_with_exchange_sean-ta.csv.gz"
    require_real_data(SCREENER, companies)
    cfg = ScoringConfig(universe_files=(str(SCREENER), str(companies)))
    s = evaluate_tickers(pl.read_csv(DATA / name), cfg)
    assert s["precision"] >= precision
    assert s["recall"] >= recall


def test_hand_labelled_wsb_set_with_listing_file() -> None:
    require_real_data(SCREENER)
    labels = pl.read_csv(DATA / "wsb_tickers_labelled.csv")
    s = evaluate_tickers(labels, ScoringConfig(universe_files=(str(SCREENER),)))
    # measured: precision 1.000 (0.990 before the evidence score), recall 0.928
    assert s["precision"] >= 0.97
    assert s["recall"] >= 0.9


def _listing(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_listing_file_names_win_over_current_listings(tmp_path: Path) -> None:
    # a listing of the posts' period: Facebook traded as FB until 2022
    listing = _listing(tmp_path, "listing.csv", 'Symbol,Name\nFB,"Facebook, Inc. Class A"\n')
    text = ["Facebook shuts a popular stock traders group, buy calls"]
    assert _tickers(text) == [["META"]]
    assert _tickers(text, ScoringConfig(universe_files=(listing,))) == [["FB"]]


def test_listing_file_layouts(tmp_path: Path) -> None:
    from tft_assets.posts.universe import read_listing_file

    # NASDAQ Trader symbol directory: pipe-separated, test issues and a footer to skip
    trader = _listing(
        tmp_path,
        "nasdaqlisted.txt",
        "Symbol|Security Name|Market Category|Test Issue|Financial Status\n"
        "AAPL|Apple Inc. - Common Stock|Q|N|N\n"
        "ZAZZT|Tick Pilot Test Stock|G|Y|N\n"
        "File Creation Time: 1125202612:00|||||\n",
    )
    assert read_listing_file(trader) == [("AAPL", "Apple Inc. - Common Stock")]
    other = _listing(
        tmp_path,
        "otherlisted.txt",
        "ACT Symbol|Security Name|Exchange|CQS Symbol|ETF|Round Lot Size|Test Issue\n"
        "BRK.B|Berkshire Hathaway Inc. Class B|N|BRK.B|N|100|N\n"
        "GME|GameStop Corporation Common Stock|N|GME|N|100|N\n",
    )
    assert [s for s, _ in read_listing_file(other)] == ["BRK.B", "GME"]
    companies = _listing(tmp_path, "c.csv", "ticker,company name,exchange\nAPHA,Aphria Inc.,NYSE\n")
    assert read_listing_file(companies) == [("APHA", "Aphria Inc.")]
    bad = _listing(tmp_path, "bad.csv", "code,label\nX,Y\n")
    with pytest.raises(ValueError, match="bad.csv: needs a symbol column"):
        read_listing_file(bad)


def test_month_abbreviations_are_expiries(tmp_path: Path) -> None:
    # JAN is a listed symbol in some listings; on WSB it is an option expiry
    listing = _listing(tmp_path, "l.csv", "Symbol,Name\nJAN,JanOne Inc.\n")
    cfg = ScoringConfig(universe_files=(listing,))
    assert _tickers(["SPY JAN 20 2022 calls printing", "$JAN shares"], cfg) == [
        ["SPY"],
        ["JAN"],
    ]


def test_universe_doctests() -> None:
    import doctest

    from tft_assets.posts.universe import aliases, listing_files

    for module in (aliases, listing_files):
        result = doctest.testmod(module)
        assert result.attempted > 0, module.__name__
        assert result.failed == 0, module.__name__


def test_dated_listing_snapshots_apply_from_their_day() -> None:
    import datetime as dt

    from tft_assets.posts.universe import listing_files_as_of

    entries = ("2021-02-28=a.csv", "plain.csv", "2020-01-01=b.csv", "2022-06-30=c.csv")
    assert listing_files_as_of(entries, dt.date(2021, 2, 27)) == ("plain.csv", "b.csv")
    assert listing_files_as_of(entries, dt.date(2021, 2, 28)) == ("plain.csv", "a.csv")
    assert listing_files_as_of(entries, None) == ("plain.csv", "c.csv")
    # before the first snapshot only the undated files: a later snapshot would leak the future
    assert listing_files_as_of(entries, dt.date(2019, 5, 1)) == ("plain.csv",)
    with pytest.raises(ValueError, match="the date must be YYYY-MM-DD"):
        listing_files_as_of(("2021-02-30=x.csv",), None)


def test_a_dated_snapshot_names_the_companies_of_its_day(tmp_path: Path) -> None:
    import datetime as dt

    old = _listing(tmp_path, "2021.csv", 'Symbol,Name\nFB,"Facebook, Inc. Class A"\n')
    entries = (f"2021-02-28={old}",)
    text = ["Facebook shuts a popular stock traders group, buy calls"]
    assert _tickers(text, ScoringConfig(universe_files=entries, as_of=dt.date(2021, 3, 1))) == [
        ["FB"]
    ]
    assert _tickers(text, ScoringConfig(universe_files=entries, as_of=dt.date(2020, 3, 1))) == [
        ["META"]
    ]
