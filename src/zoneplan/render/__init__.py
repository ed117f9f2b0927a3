"""Renderers: words, terminal tables, maps and charts, HTML pages, GeoPackages.

Every renderer works from results (:class:`~zoneplan.result.Result` or its JSON) and
the data of :mod:`zoneplan.scenarios`; none computes a figure of its own.
"""
