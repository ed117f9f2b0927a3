"""Measurement: cell grids and raster grids, population layers, zones cut from the
territory, per-zone sums and the indicators built on them.

Nothing here reads a file directly (readers are in :mod:`zoneplan.io` and
:mod:`zoneplan.pack`) or draws anything.
"""
