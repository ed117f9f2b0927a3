"""A plan with the variants of the pack's lines it draws: one line, one set of variants.

A line drawn from a built-in layer (``layer: gaza:yellow-line``) takes the variants the
pack declares for that layer (:mod:`zoneplan.pack.line_variants`), never a copy of its
own, so every plan that draws the line has the same set, and at the same date the same
range (:mod:`zoneplan.plan.rules.as_of` then sets aside the ones known only later). A
plan may not state variants or an uncertainty for such a line (checked when a plan is
read, :mod:`zoneplan.plan.references`); a line of its own (coordinates or a file) keeps
the plan's.

Relative variants (the uncertainty, offsets such as a marker report) become the line's
``uncertainty`` and ``variants``: they move with a shifted or edited line. An absolute
one (a zone as published) becomes an alternative drawing of the zones when the plan's
zones are the two sides of that one line (the zone on the published side drawn by the
polygon, the other as the rest); an edited or shifted line leaves it out
(:func:`zoneplan.measure.figures.variants.absolute_alternatives`). Otherwise it cannot
apply, and :func:`with_line_variants` says why.

Examples
--------
>>> from zoneplan.plan import load_plan
>>> plan, notes, added = with_line_variants(load_plan("asc-2025-11"))
>>> [v.id for v in plan.lines[0].variants], plan.lines[0].uncertainty.offset_m
(['markers-200m-west', 'markers-300m-west'], 200.0)
>>> [(a.id, a.zones) for a in plan.alternatives]
[('zone-as-published', {'green': {'layer': 'gaza:zone-east-2025-10-19'}, 'red': {'rest': True}})]
>>> added
{'zone-as-published': 'yellow-line'}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zoneplan.pack.line_variants import LineVariantRow, line_variant_sources, line_variants

if TYPE_CHECKING:
    from zoneplan.plan.model import Alternative, LineSpec, Plan

__all__ = ["OPPOSITE", "relative_variants_document", "with_line_variants"]

OPPOSITE = {"east": "west", "west": "east", "north": "south", "south": "north",
            "left": "right", "right": "left"}
"""The other side of a line."""


def _published(plan: Plan, spec: LineSpec, row: LineVariantRow
               ) -> tuple[Alternative | None, str | None]:
    """The alternative a published zone of ``spec`` makes in ``plan``, or why none."""
    from zoneplan.plan.model import Alternative

    assert row.side is not None and row.layer is not None
    on = [z.id for z in plan.zones if z.side == {spec.id: row.side}]
    off = [z.id for z in plan.zones if z.side == {spec.id: OPPOSITE[row.side]}]
    if len(on) != 1 or len(off) != 1 or len(plan.zones) != 2:
        return None, (
            f"The published zone '{row.id}' of line '{spec.id}' ({spec.layer}: the area "
            f"{row.side} of it as published) is not among the alternatives: it replaces a "
            f"zone drawn as the {row.side} side of that line alone, and this plan's zones "
            "are not the two sides of it.")
    taken = {a.id for a in plan.alternatives}
    return Alternative(
        id=row.id if row.id not in taken else f"{spec.id}-{row.id}",
        label=row.label or row.id, zones={on[0]: {"layer": row.layer}, off[0]: {"rest": True}},
        sources=list(row.sources), note=row.note), None


def with_line_variants(plan: Plan) -> tuple[Plan, list[str], dict[str, str]]:
    """The plan with the pack's variants of each line it draws from a pack layer (see the
    module docstring), notes on published zones that cannot apply, and the alternatives
    added, each with its line (alternative id to line id).

    The sources the variants cite are added to the plan's ``sources`` (a source of the
    plan with the same id is kept as the plan states it). An alternative of the plan
    that draws the zones exactly as a published zone would is kept, and the pack's not
    added again.
    """
    from zoneplan.plan.model import LineUncertainty, LineVariant, Source

    facts = line_variants()
    if not any(ln.layer in facts for ln in plan.lines if ln.layer is not None):
        return plan, [], {}
    cited: set[str] = set()
    lines: list[LineSpec] = []
    alts = list(plan.alternatives)
    notes: list[str] = []
    added: dict[str, str] = {}
    for spec in plan.lines:
        f = facts.get(spec.layer) if spec.layer is not None else None
        if f is None:
            lines.append(spec)
            continue
        doc, _, _ = relative_variants_document(str(spec.layer))
        unc = doc.get("uncertainty")
        lines.append(spec.model_copy(update={
            "variants": [LineVariant.model_validate(v) for v in doc.get("variants", [])],
            "uncertainty": None if unc is None else LineUncertainty.model_validate(unc)}))
        cited |= {s for r in [*f.offsets, *([f.uncertainty] if f.uncertainty else [])]
                  for s in r.sources}
        for row in f.published:
            alt, why = _published(plan, spec, row)
            if why is not None:
                notes.append(why)
            elif alt is not None and not any(a.zones == alt.zones for a in alts):
                alts.append(alt)
                added[alt.id] = spec.id
                cited |= set(row.sources)
    known = {s.id for s in plan.sources}
    pack_sources = line_variant_sources()
    sources = [*plan.sources, *(Source.model_validate(pack_sources[s])
                                for s in sorted(cited - known))]
    out = plan.model_copy(update={"lines": lines, "alternatives": alts, "sources": sources})
    return out, notes, added


def relative_variants_document(layer: str) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                    list[str]]:
    """What a line drawn from the pack's ``layer`` keeps when it is written out as
    coordinates of its own (redrawn in the editor, or ``--resolved``): its relative
    variants as a plan states them, the sources they cite, and the ids of its absolute
    ones (published zones), which describe the published line only.

    Returns
    -------
    dict
        ``uncertainty`` and ``variants`` in the plan format (empty where the pack
        declares none for ``layer``).
    list of dict
        The sources cited, as plan ``sources`` entries.
    list of str
        The ids of the published zones left behind.

    Examples
    --------
    >>> doc, sources, left = relative_variants_document("gaza:yellow-line")
    >>> doc["uncertainty"]["offset_m"], [v["id"] for v in doc["variants"]], left
    (200.0, ['markers-200m-west', 'markers-300m-west'], ['zone-as-published'])
    """
    f = line_variants().get(layer)
    if f is None:
        return {}, [], []
    doc: dict[str, Any] = {}
    if f.uncertainty is not None:
        u = f.uncertainty
        doc["uncertainty"] = {"offset_m": u.offset_m, "sources": list(u.sources),
                              **({"note": u.note} if u.note else {})}
    if f.offsets:
        doc["variants"] = [{"id": r.id, "offset_m": r.offset_m, "towards": r.towards,
                            "sources": list(r.sources), **({"note": r.note} if r.note else {})}
                           for r in f.offsets]
    cited = sorted({s for r in [*f.offsets, *([f.uncertainty] if f.uncertainty else [])]
                    for s in r.sources})
    pack_sources = line_variant_sources()
    return doc, [pack_sources[s] for s in cited], [r.id for r in f.published]
