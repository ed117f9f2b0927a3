"""QGIS styles (QML) for the GeoPackage, and the ``layer_styles`` table QGIS reads.

QGIS looks for a table ``layer_styles`` in a GeoPackage and applies the row with
``useAsDefault`` for a layer when the layer is opened (the QGIS GeoPackage styling
extension: ``f_table_name``, ``f_geometry_column``, ``styleName``, ``styleQML``,
``styleSLD``, ``useAsDefault``, ``description``, ``owner``, ``ui``, ``update_time``).
The styles use the same colours and patterns as the maps (:mod:`zoneplan.render.style`):
zones by the plan's colour, closed zones hatched, restricted zones dotted, lines by
colour and dash, hospitals as green crosses.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from html import escape
from pathlib import Path

from zoneplan.render.style import (
    HOSPITAL_COLOUR,
    PATTERN_INK,
    LineStyle,
    ZoneLook,
)

__all__ = ["hospitals_qml", "lines_qml", "write_layer_styles", "zones_qml"]

QGIS_VERSION = "3.28.0"
"""The QGIS version the styles are written for (3.x read the ``<prop>`` form)."""


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _props(**kw: str) -> str:
    return "".join(f'<prop k="{k}" v="{escape(str(v))}"/>' for k, v in kw.items())


def _fill_symbol(name: str, look: ZoneLook) -> str:
    layers = ['<layer class="SimpleFill" enabled="1" locked="0" pass="0">'
              + _props(color=_rgba(look.colour), outline_color="255,255,255,255",
                       outline_style="solid", outline_width="0.4", outline_width_unit="MM",
                       style="solid") + "</layer>"]
    pattern = look.pattern
    if pattern.hatch.startswith("/"):
        layers.append('<layer class="LinePatternFill" enabled="1" locked="0" pass="0">'
                      + _props(angle="45", distance="2", distance_unit="MM",
                               line_width="0.3", line_width_unit="MM",
                               color=_rgba(PATTERN_INK))
                      + f'<symbol type="line" name="@{name}@1" alpha="1" clip_to_extent="1" '
                      f'force_rhr="0"><layer class="SimpleLine" enabled="1" locked="0" '
                      f'pass="0">' + _props(line_color=_rgba(PATTERN_INK), line_width="0.3",
                                            line_width_unit="MM", line_style="solid")
                      + "</layer></symbol></layer>")
    elif pattern.hatch:
        layers.append('<layer class="PointPatternFill" enabled="1" locked="0" pass="0">'
                      + _props(distance_x="2", distance_y="2", distance_x_unit="MM",
                               distance_y_unit="MM", displacement_x="1",
                               displacement_x_unit="MM")
                      + f'<symbol type="marker" name="@{name}@1" alpha="1" clip_to_extent="1" '
                      f'force_rhr="0"><layer class="SimpleMarker" enabled="1" locked="0" '
                      f'pass="0">' + _props(name="circle", size="0.5", size_unit="MM",
                                            color=_rgba(PATTERN_INK), outline_style="no")
                      + "</layer></symbol></layer>")
    return (f'<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            + "".join(layers) + "</symbol>")


def _qml(renderer: str, labels: str = "") -> str:
    return (f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology|Labeling" '
            f'labelsEnabled="{1 if labels else 0}">{renderer}{labels}</qgis>\n')


def _labeling(field: str, size: float = 9.0) -> str:
    return ('<labeling type="simple"><settings calloutType="simple">'
            f'<text-style fieldName="{field}" fontSize="{size}" fontWeight="75" '
            'textColor="34,34,34,255" fontFamily="DejaVu Sans" isExpression="0">'
            '<text-buffer bufferDraw="1" bufferSize="1" bufferColor="255,255,255,255" '
            'bufferSizeUnits="MM"/></text-style><placement placement="1"/>'
            "<rendering obstacle=\"1\"/></settings></labeling>")


def zones_qml(looks: Sequence[ZoneLook]) -> str:
    """Zones: one category per zone id, the zone's colour and its access pattern."""
    cats = "".join(f'<category render="true" value="{escape(z.id)}" symbol="{i}" '
                   f'label="{escape(z.label)}: {escape(z.pattern.words)}"/>'
                   for i, z in enumerate(looks))
    syms = "".join(_fill_symbol(str(i), z) for i, z in enumerate(looks))
    return _qml(f'<renderer-v2 type="categorizedSymbol" attr="zone_id" symbollevels="0" '
                f'enableorderby="0" forceraster="0"><categories>{cats}</categories>'
                f"<symbols>{syms}</symbols></renderer-v2>", _labeling("label"))


def lines_qml(styles: dict[str, LineStyle], labels: dict[str, str]) -> str:
    """Lines: one category per line id, by colour and dash over its casing (white under
    dark lines, dark under a yellow one, as on the maps)."""
    cats = "".join(f'<category render="true" value="{escape(lid)}" symbol="{i}" '
                   f'label="{escape(labels.get(lid, lid))}"/>' for i, lid in enumerate(styles))
    syms = []
    for i, st in enumerate(styles.values()):
        dash = ";".join(f"{v * st.width * 0.35:g}" for v in st.dash[1])  # pt → mm
        casing = ('<layer class="SimpleLine" enabled="1" locked="0" pass="0">'
                  + _props(line_color=_rgba(st.casing),
                           line_width=f"{(st.width + st.casing_extra) * 0.35:g}",
                           line_width_unit="MM", line_style="solid", capstyle="round")
                  + "</layer>")
        stroke = ('<layer class="SimpleLine" enabled="1" locked="0" pass="0">'
                  + _props(line_color=_rgba(st.colour), line_width=f"{st.width * 0.35:g}",
                           line_width_unit="MM", use_custom_dash="1" if dash else "0",
                           customdash=dash,
                           customdash_unit="MM", line_style="solid")
                  + "</layer>")
        syms.append(f'<symbol type="line" name="{i}" alpha="1" clip_to_extent="1" '
                    f'force_rhr="0">{casing}{stroke}</symbol>')
    return _qml(f'<renderer-v2 type="categorizedSymbol" attr="line_id" symbollevels="0" '
                f'enableorderby="0" forceraster="0"><categories>{cats}</categories>'
                f"<symbols>{''.join(syms)}</symbols></renderer-v2>")


def hospitals_qml() -> str:
    """Hospitals: green crosses with a white outline, labelled by name."""
    sym = ('<symbol type="marker" name="0" alpha="1" clip_to_extent="1" force_rhr="0">'
           '<layer class="SimpleMarker" enabled="1" locked="0" pass="0">'
           + _props(name="cross_fill", size="3", size_unit="MM", color=_rgba(HOSPITAL_COLOUR),
                    outline_color="255,255,255,255", outline_width="0.3",
                    outline_width_unit="MM", outline_style="solid")
           + "</layer></symbol>")
    return _qml(f'<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
                f'forceraster="0"><symbols>{sym}</symbols></renderer-v2>',
                _labeling("name", 7.0))


def write_layer_styles(path: str | Path, styles: dict[str, str], *,
                       geometry_column: str = "geom") -> None:
    """Add a ``layer_styles`` table to a GeoPackage with one default style per layer.

    Parameters
    ----------
    path
        An existing GeoPackage.
    styles
        Layer (table) name → QML text.
    geometry_column
        The layers' geometry column (GDAL writes ``geom``).
    """
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    con = sqlite3.connect(str(path))
    try:
        con.execute(
            'CREATE TABLE IF NOT EXISTS layer_styles ("id" INTEGER PRIMARY KEY AUTOINCREMENT '
            'NOT NULL, "f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), '
            '"f_table_name" TEXT(256), "f_geometry_column" TEXT(256), "styleName" TEXT(30), '
            '"styleQML" TEXT, "styleSLD" TEXT, "useAsDefault" BOOLEAN, "description" TEXT, '
            '"owner" TEXT(30), "ui" TEXT(30), "update_time" DATETIME)')
        con.execute("INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
                    "description, last_change) VALUES ('layer_styles', 'attributes', "
                    "'layer_styles', 'QGIS styles written by zoneplan', ?)", (now,))
        con.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'zoneplan', '', ?)",
            [(name, geometry_column, f"zoneplan {name}", qml,
              f"zoneplan style for {name}", now) for name, qml in styles.items()])
        con.commit()
    finally:
        con.close()
