"""Population layers: people placed on a grid, before the plan moves anyone.

What every population source becomes (``layers``), the sources themselves: the pack's
facts, the user's polygons or points (``population_sources``), spread over a grid by area
or by land use (``dasymetric``); a raster read strip by strip onto a raster grid
(``raster_population``), or held in parts on a cluster's workers (``raster_shards``); the
built-in grid kept between runs (``grid_cache``).
"""
