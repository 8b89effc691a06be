"""Vocabulary of the demo world: templates, slang, emojis, spam, other languages, user names.

Placeholders: ``{t}`` a ticker mention (cashtag, bare symbol or company name), ``{t2}`` a second
mention, ``{n}`` a share count, ``{k}`` an option strike such as ``$40c``, ``{e}`` an emoji
cluster, ``{code}`` / ``{CODE}`` a referral code. Templates never mention a universe symbol or
company on their own (a test checks it), so the mentions a post carries are exactly those put
in by the generator. False-positive words (YOLO, DD, CEO, A, I, IT, ALL, ON, CAN, ATH, IMO, FOMO,
EPS) appear in upper case on purpose.
"""

from __future__ import annotations

import numpy as np

# Index by stance + 1: 0 = bearish, 1 = neutral, 2 = bullish.
TITLES: tuple[tuple[str, ...], ...] = (
    (
        "{t} is a rug pull waiting to happen {e}",
        "Bought {t} puts, thank me later {e}",
        "{t} bagholders, it is time to admit it",
        "Loaded up on {k} puts for {t}",
        "{t} is overvalued, change my mind",
        "Sold all my {t}. This is going to tank {e}",
        "{t} short thesis (not financial advice)",
        "The {t} pump is over, get out while you can",
    ),
    (
        "What do you guys think about {t}?",
        "{t} earnings next week, thoughts?",
        "Anyone else watching {t} today? {e}",
        "{t} daily discussion",
        "Is {t} still worth looking at?",
        "Question about {t} options chain",
        "{t} news megathread",
    ),
    (
        "{t} to the moon {e}",
        "YOLO'd my savings into {t} {e}",
        "{t} squeeze is not even close to over",
        "Bought {n} shares of {t}, diamond hands 💎🙌",
        "{t} {k} calls printing {e}",
        "Why {t} is undervalued (DD)",
        "Apes together strong: {t} 🦍🦍",
        "Just doubled down on {t} {e}",
        "{t} tendies incoming 🍗",
    ),
)

LINES: tuple[tuple[str, ...], ...] = (
    (
        "{t} is going to dump hard, puts are the play {e}",
        "Shorting {t} here, the chart looks terrible",
        "{t} bagholders are coping so hard lmao {e}",
        "I sold my {t} at a loss, this thing is dead",
        "{t} {k} puts, see you at the bottom 🌈🐻",
        "Rug pull on {t} incoming, do not say I did not warn you",
        "{t} has no moat and the guidance was awful 📉",
    ),
    (
        "Holding {n} shares of {t}, not sure what to do",
        "Anyone have a price target for {t}?",
        "{t} is flat today {e}",
        "What is the float on {t}?",
        "Keeping an eye on {t} this week",
        "Not touching {t} until earnings",
    ),
    (
        "{t} to the moon {e}",
        "Just bought {n} more shares of {t} 💎🙌",
        "{t} {k} calls, wish me luck {e}",
        "Diamond hands on {t}, apes do not sell 🦍",
        "{t} squeeze incoming, short interest is insane",
        "Buy the dip on {t} {e}",
        "{t} tendies tomorrow 🍗🚀",
        "Loading {t} before the gamma squeeze",
    ),
)

FILLERS: tuple[tuple[str, ...], ...] = (
    (
        "Paper hands were right this time.",
        "Enjoy being a bagholder.",
        "This is the top, mark my words.",
        "Margin calls coming 🩸",
        "Inverse WSB never fails.",
    ),
    (
        "Not financial advice.",
        "Positions below.",
        "Edit: typo.",
        "Curious what the sub thinks.",
        "Still learning how options work.",
    ),
    (
        "We like the stock.",
        "HODL 💎🙌",
        "See you on the moon 🚀🌕",
        "Shorts are trapped.",
        "Wife's boyfriend approves.",
        "This is the way.",
    ),
)

FALSE_POSITIVE_LINES: tuple[str, ...] = (
    "YOLO.",
    "IMO this is the play.",
    "DD inside, read it before commenting.",
    "The CEO is a legend.",
    "ATH incoming.",
    "FOMO is real.",
    "EPS beat by a mile.",
    "I AM NOT SELLING.",
    "A lot of people are missing this.",
    "IT sector is cooked.",
    "ALL IN.",
    "Everything is ON SALE.",
    "WE CAN DO IT.",
    "I think the EPS number is fake IMO.",
)

SECOND_TICKER_LINES: tuple[str, ...] = (
    "Also holding {t2}.",
    "Same thing is happening with {t2}.",
    "{t2} gang checking in 👋",
    "Rotating some gains into {t2}.",
    "Compare that with {t2}.",
)

CHATTER_TITLES: tuple[str, ...] = (
    "Daily Discussion Thread",
    "What are your moves tomorrow?",
    "Lost everything today, AMA",
    "Moves for next week?",
    "How do you guys deal with the stress?",
    "Finally hit my first 10 bagger {e}",
    "Rate my portfolio",
)

CHATTER_LINES: tuple[str, ...] = (
    "Who else is up at 3am looking at futures?",
    "Market is rigged {e}",
    "What a day lol",
    "Anyone know a good broker for options?",
    "Red day, buying more",
    "Green day, selling nothing {e}",
    "This sub has gone downhill",
    "Bears in shambles",
)

NON_ENGLISH: tuple[tuple[str, ...], ...] = (
    (
        "Vendí todo mi {t}, esto se va a desplomar 📉",
        "{t} ist total überbewertet, ich verkaufe alles",
        "{t} は暴落する、全部売った",
    ),
    (
        "¿Qué opinan de {t}?",
        "Was haltet ihr von {t}?",
        "{t} についてどう思う？",
    ),
    (
        "{t} va a la luna 🚀 compré {n} acciones",
        "{t} geht zum Mond 🚀, habe {n} Aktien gekauft",
        "{t} 月まで行く🚀 {n}株買った",
    ),
)

NON_ENGLISH_CHATTER: tuple[str, ...] = (
    "¿Alguien más perdió todo hoy? 😭",
    "Der Markt ist heute komplett manipuliert",
    "今日は全部赤い、もう無理",
    "¿Qué broker usan para opciones?",
)

SPAM: tuple[str, ...] = (
    "🚀🚀🚀 {t} WILL 10X THIS WEEK!!! JOIN OUR DISCORD discord.gg/{code} 🚀🚀🚀",
    "FREE STOCK PICKS 💰💰💰 SIGN UP AT https://bit.ly/{code} AND USE REFERRAL CODE {CODE} FOR {t}",
    "Get a free share on Webull with my referral link https://a.webull.com/i/{code} {t}",
    "{t} " + "🚀" * 60 + "💎🙌" * 30,
    "TELEGRAM SIGNALS 📲 t.me/{code} 100% WIN RATE ON {t} CALLS!!!",
    "MAKE $5000 A DAY TRADING {t} CLICK HERE https://tinyurl.com/{code}",
)

SPAM_TITLES: tuple[str, ...] = (
    "{t} 🚀🚀🚀 FREE ALERTS",
    "MY {t} SIGNALS MADE 900% GAINS",
    "🔥🔥🔥 {t} 🔥🔥🔥 {CODE}",
)

OVERSIZED_PARAGRAPH = (
    "Fundamentals: revenue keeps growing, the balance sheet is clean, short interest is above "
    "100% of the float, institutions own more than the float, retail keeps buying, the options "
    "chain is stacked with deep out of the money calls, and every dip gets bought within minutes. "
)
OVERSIZED_MIN_BYTES = 40_000

EMOJIS: tuple[tuple[str, ...], ...] = (
    ("🌈🐻", "📉", "🩸", "🤡", "🐻🐻", ""),
    ("🤔", "👀", "", "🧐"),
    ("🚀", "🚀🚀🚀", "💎🙌", "🦍", "🌕", "💰", "📈", "🚀🌕💎"),
)

SHARE_COUNTS: tuple[str, ...] = ("1", "5", "10", "20", "50", "69", "100", "420", "1000")

LINK_DOMAINS: tuple[str, ...] = (
    "https://www.cnbc.com/{date}/{slug}.html",
    "https://www.bloomberg.com/news/articles/{date}/{slug}",
    "https://finance.yahoo.com/news/{slug}-{code}.html",
    "https://i.redd.it/{code}.jpg",
    "https://imgur.com/{code}",
)

_ALNUM = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))

_NAME_HEADS = (
    "Diamond", "Paper", "Tendie", "Ape", "Moon", "Stonk", "Yolo", "Theta", "Gamma", "Bull",
    "Bear", "Smooth", "Retail", "Dip", "Rocket", "Banana", "Crayon", "Margin", "Short", "Long",
    "Bag", "Hodl", "Lambo", "Wrinkle", "Candle", "Chart", "Wendys", "Casino", "Degen", "Squeeze",
)  # fmt: skip
_NAME_TAILS = (
    "Hands", "Lord", "King", "Queen", "Ape", "Guy", "Trader", "Eater", "Holder", "Boi",
    "Master", "Goblin", "Wizard", "Monk", "Gremlin", "Brain", "Lover", "Enjoyer", "Andy",
)  # fmt: skip


def random_codes(rng: np.random.Generator, n: int, length: int = 8) -> list[str]:
    """``n`` lowercase base36 codes of ``length`` characters."""
    if n == 0:
        return []
    chars = _ALNUM[rng.integers(0, 36, (n, length))]
    return ["".join(row) for row in chars.tolist()]


def user_pool(rng: np.random.Generator, n: int) -> tuple[str, ...]:
    """``n`` distinct plausible Reddit user names (deterministic given ``rng``)."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        m = n - len(names)
        heads = rng.integers(0, len(_NAME_HEADS), m)
        tails = rng.integers(0, len(_NAME_TAILS), m)
        nums = rng.integers(0, 10_000, m)
        forms = rng.integers(0, 5, m)
        for h, t, num, f in zip(
            heads.tolist(), tails.tolist(), nums.tolist(), forms.tolist(), strict=True
        ):
            a, b = _NAME_HEADS[h], _NAME_TAILS[t]
            name = (
                f"{a}_{b}_{num}",
                f"{a.lower()}{b.lower()}{num}",
                f"{a}{b}{num % 100}",
                f"throwaway_{num}{a.lower()}",
                f"u_{a.lower()}_{b.lower()}",
            )[f]
            if name not in seen:
                seen.add(name)
                names.append(name)
    return tuple(names)


def spam_user_pool(rng: np.random.Generator, n: int) -> tuple[str, ...]:
    """``n`` bot-like user names used by spam posts."""
    codes = random_codes(rng, n, 6)
    forms = ("promo_bot_{c}", "FreeStockAlerts{c}", "signals_{c}", "crypto_gains_{c}")
    return tuple(forms[i % len(forms)].format(c=c) for i, c in enumerate(codes))
