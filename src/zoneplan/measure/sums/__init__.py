"""Per-zone sums: of people and area, plain, near each line and per distance block.

The one dispatch between summers (``layout``): a whole grid (``zone_sums``), a raster held
in parts on a cluster's workers (``held_sums``), the editor's patched layouts
(``incremental``); sums per (zone, distance block) pair (``block_sums``) and the distances
to the nearest hospital built on them (``distances``); sums and quantiles on flat arrays
(``ragged``).
"""
