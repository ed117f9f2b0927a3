"""Many evaluations at once: plans side by side, dated zone layers as a series.

Each module returns data (dicts ready for JSON); :mod:`zoneplan.render` shows it.
"""
