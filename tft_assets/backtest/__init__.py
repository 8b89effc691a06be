"""Backtests (pure domain code, no Dagster): portfolio simulation over predictions and prices,
with costs, and the performance metrics that judge it (returns, risk, drawdown, deflated Sharpe).

May import: ``calendar``, ``schemas``, ``features`` (labels), ``risk``. Never the simulator.
"""
