"""Many evaluations at once: plans side by side, dated zone layers as a series, Monte
Carlo draws of plans (in this process or on a Dask cluster).

Each module returns data (dicts ready for JSON); :mod:`zoneplan.render` shows it.
"""
