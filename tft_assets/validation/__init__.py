"""Data-quality suites (Great Expectations) as pure functions."""
