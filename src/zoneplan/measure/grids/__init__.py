"""Surfaces people are counted on: cell grids and raster grids.

A grid knows where its cells are, what share of each a zone covers and how to sum
anything per zone laid over it. The built-in 250 m grid (``cells``), its squares and
segments (``squares``, ``segments``); raster grids (``raster_grid``), the exact share of
each pixel a zone covers (``raster_shares``, ``pixels``, ``coverage``).
"""
