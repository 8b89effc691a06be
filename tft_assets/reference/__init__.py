"""Reference data, imports nothing from the project.

Curated tables that the domain code (post scoring, features) and the demo simulator both read:
:mod:`~tft_assets.reference.wsb_listings`, the r/wallstreetbets favourite listings.
"""
