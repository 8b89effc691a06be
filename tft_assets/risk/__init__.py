"""Risk rules (pure domain code, no Dagster): the checks a candidate signal must pass before it
becomes a position, each with a reason code and a configurable threshold, and the portfolio
state they read (open positions, cash, equity, peak).

May import: ``calendar``, ``schemas``. Never the simulator.
"""
