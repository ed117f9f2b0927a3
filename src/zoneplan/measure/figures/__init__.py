"""Figures built from the per-zone sums: indicators, totals and checks.

Who lives where under the plan (``relocation``); indicators per zone (``frame``,
``indicators``), filled in figure by figure for all zones (``families``) and kept as
columns (``table``); the whole territory and its invariants (``totals``); damage,
crossings and aid access (``crossings``, ``access``); zone widths (``shape``); figures by
area (``by_area``); the alternatives behind the ranges (``variants``, ``assumptions``);
published figures checked against the measurements (``claims``).
"""
