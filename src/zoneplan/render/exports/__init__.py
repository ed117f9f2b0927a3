"""Files for other tools: CSV and Excel tables, GeoPackage and GeoParquet, QGIS styles."""
