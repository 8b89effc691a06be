"""Monitoring (pure domain code, no Dagster): drift between a reference and a current window of
features or predictions, and the alerts it raises.

May import: ``calendar``, ``schemas``, ``features``. Never the simulator.
"""
