"""The stylesheet of the report, comparison and timeline pages (inlined in each page).

Made for reading on a phone first: nothing wider than the screen at 390 px; wide tables
become cards below 640 px (``table.cards``, each cell labelled by ``data-label``) or
scroll inside their own box with the first column fixed (``.table-wrap``); charts and
maps are inline SVG that scale with their box; a print stylesheet drops the scroll boxes
and keeps figures and rows whole.
"""

from __future__ import annotations

__all__ = ["CSS"]

CSS = """
:root{--ink:#1d1d1f;--muted:#555;--line:#d0d0d0;--bg:#fff;--soft:#f4f6f8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;
color:var(--ink);background:var(--bg);margin:0;line-height:1.5;font-size:16px}
main{max-width:1100px;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1rem;margin:1.2rem 0 .3rem}
.meta{color:var(--muted);font-size:.9rem}
.headlines li{margin:.3rem 0}
figure{margin:1rem 0;min-width:0}
figure img,figure svg{max-width:100%;height:auto;display:block}
figcaption,.caption{color:var(--muted);font-size:.85rem}
.map-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1rem;
align-items:start}
.map-grid figure{margin:0}
.map-grid figcaption{font-weight:600;color:var(--ink);font-size:.95rem;margin-bottom:.2rem}
.map-grid svg{width:100%;height:auto;border:1px solid var(--line)}
.legend{font-size:.85rem;columns:2 260px;column-gap:1.5rem;margin:.8rem 0}
.legend h3{font-size:.85rem;margin:.4rem 0 .1rem;break-after:avoid}
.legend ul{list-style:none;margin:0;padding:0;break-inside:avoid}
.legend li{display:flex;align-items:center;gap:.45rem;margin:.1rem 0;break-inside:avoid}
.legend .sw,.swatch{flex:0 0 26px}
.swatch{display:inline-block;vertical-align:-.2em;margin-right:.3em}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%;
border:1px solid var(--line);border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{border-bottom:1px solid var(--line);padding:.35rem .45rem;text-align:right;
vertical-align:top}
th:first-child,td:first-child{text-align:left;min-width:10em;position:sticky;left:0;
background:var(--bg);z-index:1}
thead th{background:var(--soft)}
thead th:first-child{z-index:2;background:var(--soft)}
tfoot td{font-weight:600;border-top:2px solid var(--ink)}
.ok{color:#1a6b36}.no{color:#9b1c31}.na{color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1.2rem}
.chart{margin:0;max-width:640px}
.chart-title{font-weight:600;color:var(--ink);font-size:.95rem;margin-bottom:.3rem}
.chart-title .unit{font-weight:400;color:var(--muted)}
.chart-svg{width:100%;height:auto;font-family:inherit}
.chart-legend{list-style:none;padding:0;margin:.3rem 0 0;display:flex;flex-wrap:wrap;
gap:.2rem 1rem;font-size:.85rem}
.chart-legend i{display:inline-block;width:.9em;height:.9em;margin-right:.35em;
vertical-align:-.1em}
.no-data{color:var(--muted);font-size:.9rem;margin:.2rem 0}
ul.no-data{padding-left:1.2rem}
.small{font-size:.85rem;color:var(--muted)}
.verdict.consistent{color:#1b7837}.verdict.inconsistent{color:#b2182b}
.verdict.not-measurable{color:#7f6000}.verdict.consistent-only-if{color:#7f6000}
.verdict.restates-the-plan{color:#555}
code{font-size:.85em;overflow-wrap:anywhere}
details>summary{cursor:pointer;padding:.7rem 0}
details.section{margin:1.2rem 0;border-bottom:1px solid var(--line)}
details.section>summary{list-style:none;gap:.5rem;display:flex;align-items:center;
min-height:44px;padding:0}
details.section>summary::-webkit-details-marker{display:none}
details.section>summary::before{content:"▸";color:var(--muted)}
details.section[open]>summary::before{content:"▾"}
details.section>summary h2{display:inline;margin:0;border:0;padding:0}
details.caption>summary{color:var(--muted);font-size:.85rem}
table.claims td:nth-child(4){white-space:nowrap}
details.why{font-size:.82rem;color:var(--muted)}
details.why>summary{padding:.15rem 0}
a{overflow-wrap:anywhere}
.page-head{margin:0 0 1rem}.page-head h1{margin:.3rem 0}.page-head .meta{margin:0}
@media (max-width:640px){body{font-size:15px}h1{font-size:1.3rem}main{padding:.4rem .6rem .6rem}
.page-head{margin:0 0 .6rem}.page-head h1{font-size:1rem;line-height:1.17;margin:.1rem 0}
.page-head .meta{font-size:.72rem;line-height:1.3}.page-head code{font:inherit}
table{font-size:.85rem}
table.cards,table.cards tbody,table.cards tfoot,table.cards tr,table.cards td{display:block;
width:100%}
table.cards thead{display:none}
table.cards tr{border:1px solid var(--line);border-radius:6px;margin:.6rem 0;
padding:.35rem .6rem}
table.cards tfoot tr{border:2px solid var(--ink)}
table.cards td{display:flex;justify-content:space-between;gap:1rem;border:0;padding:.12rem 0;
text-align:right;position:static;min-width:0}
table.cards td::before{content:attr(data-label);text-align:left;color:var(--muted);
font-weight:400}
table.cards td:first-child{display:block;text-align:left;font-weight:600;font-size:1rem;
border-bottom:1px solid var(--line);padding-bottom:.25rem;margin-bottom:.2rem}
table.cards td:first-child::before{content:none}
table.cards td:empty{display:none}
.table-wrap.for-cards{overflow:visible;border:0}
table.cards td>*{min-width:0;overflow-wrap:anywhere}
table.claims td:first-child{font-weight:400;font-size:.95rem}
table.cards.compact tr{padding:.3rem .5rem;margin:.4rem 0}
table.cards.compact td:first-child{font-size:.95rem;margin-bottom:.1rem;padding-bottom:.1rem}
table.cards.compact td:not(:first-child){display:inline-flex;width:auto;gap:0 .35rem;flex-wrap:wrap;
margin-right:1rem;justify-content:flex-start}
table.cards.compact td:not(:first-child)::before{content:attr(data-label) ":"}}
@media print{main{max-width:none;padding:0}body{font-size:11pt}a{color:inherit}
a[href^="http"]::after{content:" (" attr(href) ")";font-size:.75em;word-break:break-all}
h2{break-after:avoid}figure,tr,.chart,.legend li{break-inside:avoid}
.table-wrap{overflow:visible;border:0}th:first-child,td:first-child{position:static}
.map-grid{grid-template-columns:1fr 1fr}.charts{grid-template-columns:1fr 1fr}
details{display:block}details>*{display:block}
details.section>summary::before{content:none}}
"""
"""The pages' CSS (system fonts only; nothing loaded from outside)."""
