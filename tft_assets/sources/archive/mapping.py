"""The column mapping of every archive format, as a table (for the README and the docs).

:data:`ARCHIVE_COLUMN_MAPPING` says, per format, where each contract column comes from;
:func:`archive_mapping_markdown` renders it as Markdown.
"""

from __future__ import annotations

from tft_assets.schemas import SOURCE_POSTS_SCHEMA
from tft_assets.sources.reddit_json import REDDIT_JSON_COLUMN_MAPPING

#: Contract column -> how each format fills it ("null" = not in the source).
ARCHIVE_COLUMN_MAPPING: dict[str, dict[str, str]] = {
    "reddit_ndjson / reddit_csv / reddit_parquet": REDDIT_JSON_COLUMN_MAPPING,
    "kaggle_csv": {
        "post_id": "`id`",
        "kind": "submission",
        "parent_id": "null",
        "subreddit": "from `url` when it is the post's own permalink, else null (or the `subreddit=` argument)",
        "author": "null",
        "created_utc": "`created` epoch seconds (`timestamp` ignored: naive local time)",
        "title": "`title`",
        "body": "`body`",
        "url": "`url`",
        "score": "`score`",
        "upvote_ratio": "null",
        "num_comments": "`comms_num`",
    },
    "daily_normalized_csv": {
        "post_id": "`id`",
        "kind": "submission",
        "parent_id": "null",
        "subreddit": "from `url` when it is the post's own permalink, else null (or the `subreddit=` argument)",
        "author": "null",
        "created_utc": "`date` at 23:59:59 America/New_York (day resolution only)",
        "title": "`title_normalized`",
        "body": "`body_normalized`",
        "url": "`url`",
        "score": "`score`",
        "upvote_ratio": "`upvote_ratio`",
        "num_comments": "`num_comments`",
    },
    "ticker_search_comments_csv": {
        "post_id": "derived: hash_ + blake2b-64 hex of (`created_utc`, `body`)",
        "kind": "comment",
        "parent_id": "null",
        "subreddit": "null (or the `subreddit=` argument)",
        "author": "null",
        "created_utc": "`created_utc` (YYYY-MM-DD HH:MM:SS, UTC)",
        "title": "null",
        "body": "`body`",
        "url": "null",
        "score": "null",
        "upvote_ratio": "null",
        "num_comments": "null",
    },
    "window_submissions_csv": {
        "post_id": "`id`",
        "kind": "submission",
        "parent_id": "null",
        "subreddit": "`subreddit`",
        "author": "null",
        "created_utc": "null (or `window_end` at 23:59:59 America/New_York with undated='window_end')",
        "title": "`title`",
        "body": "`selftext`",
        "url": "`link`",
        "score": "null",
        "upvote_ratio": "null",
        "num_comments": "`num_comments`",
    },
    "window_comments_csv": {
        "post_id": "`id`",
        "kind": "comment",
        "parent_id": "`parent_id` (prefix-less; may be a comment id)",
        "subreddit": "null (or the `subreddit=` argument)",
        "author": "null",
        "created_utc": "null (or `window_end` at 23:59:59 America/New_York with undated='window_end')",
        "title": "null",
        "body": "`body`",
        "url": "null",
        "score": "null",
        "upvote_ratio": "null",
        "num_comments": "null",
    },
    "contract_parquet": {
        "*": "columns of SOURCE_POSTS_SCHEMA taken by name and cast; missing ones null",
    },
}


def archive_mapping_markdown() -> str:
    """:data:`ARCHIVE_COLUMN_MAPPING` as a Markdown table (formats as columns)."""
    formats = [f for f in ARCHIVE_COLUMN_MAPPING if f != "contract_parquet"]
    header = "| column | " + " | ".join(formats) + " |"
    sep = "|---|" + "---|" * len(formats)
    rows = [
        f"| `{col}` | " + " | ".join(ARCHIVE_COLUMN_MAPPING[f][col] for f in formats) + " |"
        for col in SOURCE_POSTS_SCHEMA
        if col != "source"
    ]
    footer = (
        "\n\nEvery format: `source` = `archive:<file name>`; `parse_error` = null, except on an "
        "NDJSON line that is not a JSON object (`malformed JSON: <the parser's message>`, with the "
        "line as `body`: quarantined under that reason). Parquet already in contract form "
        "(`contract_parquet`): " + ARCHIVE_COLUMN_MAPPING["contract_parquet"]["*"] + "."
    )
    return "\n".join([header, sep, *rows]) + footer
