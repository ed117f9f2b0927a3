"""Headline sentences: the main figures of a result in a few neutral sentences.

Words follow the plan's status. For a plan ``in force`` the people displaced out of
the closed zones (the table's row, at the modelled total's scale) "cannot return", their
pre-war residents named apart, with the table's words; for a plan ``reported``,
``proposed`` or ``hypothetical`` people "would have to leave". Figures under a plan are
the model's, and the sentences say so ("the model places"), never state them as facts.
Every number is rounded here, for reading only (see
:data:`zoneplan.render.words.text.ROUNDING_NOTE`).
"""

from __future__ import annotations

import math
from typing import Any

from zoneplan.plan.rules.as_of import known_by
from zoneplan.render.words.text import (
    ACCESS_WORDS,
    fmt_count,
    fmt_km2,
    fmt_number,
    fmt_people,
    fmt_range,
    fmt_share,
    round_sig,
)
from zoneplan.result import is_number

__all__ = ["HEADLINE_ZONES", "MAX_HEADLINES", "UNIT_SHOWN", "checks_sentence", "claim_cells",
           "claim_reading", "claims_tally", "extremes_sentence", "headlines",
           "line_variants_sentence"]

MAX_HEADLINES = 11
"""At most this many sentences, besides a sentence for each zone beyond the second."""

HEADLINE_ZONES = 6
"""Up to this many zones, the headlines give every zone a sentence; with more, the
largest zone and the others as a whole."""


def _zones_with(d: dict[str, Any], *access: str) -> list[dict[str, Any]]:
    return [z for z in d.get("zones", []) if z.get("access") in access]


def _sum(zones: list[dict[str, Any]], key: str) -> float | None:
    nums = [float(z[key]) for z in zones if is_number(z.get(key), finite=True)]
    return sum(nums) if nums else None


def _range_sum(zones: list[dict[str, Any]], key: str) -> list[float] | None:
    rs: list[list[float]] = []
    for z in zones:
        r = (z.get("ranges") or {}).get(key)
        if r is None:
            return None
        rs.append(r)
    return [sum(r[0] for r in rs), sum(r[1] for r in rs)] if rs else None


def _total_residents(d: dict[str, Any]) -> float | None:
    """The modelled total under the plan (people)."""
    tot = (d.get("totals") or {}).get("residents")
    return float(tot) if is_number(tot, finite=True) else None


def _in_force(d: dict[str, Any]) -> bool:
    return d.get("plan", {}).get("status") == "in force"


def _zone_sentence(z: dict[str, Any], total: Any, in_force: bool) -> str:
    access = ACCESS_WORDS.get(z.get("access", ""), z.get("access", ""))
    share_rng = (z.get("ranges") or {}).get("share_of_territory")
    rng = fmt_range(share_rng, lambda v: fmt_share(v, 1))
    sent = (f"{z['label']}: {access}; {fmt_share(z.get('share_of_territory'), 1)} of the "
            f"territory ({fmt_km2(z.get('area_km2'))}"
            + (f"; range {rng}" if "–" in rng else "") + "). ")
    verb = "places" if in_force else "would place"
    sent += (f"Under the plan the model {verb} {fmt_people(z.get('residents'))} of "
             f"{fmt_people(total)} residents there")
    flagged = (z.get("flags") or {}).get("m2_per_person")
    if z.get("access") != "closed" and is_number(z.get("m2_per_person"), finite=True):
        sent += (f", {fmt_number(z['m2_per_person'])} m² of land per person"
                 + (f" ({flagged})" if flagged else " (Sphere camp standard: at least 45 m²)"))
    return sent + "."


def _median_range(values: list[float], fmt: Any, unit: str = "") -> str:
    """The median of ``values`` and their range, formatted: ``"M UNIT (LO–HI UNIT)"``."""
    import statistics  # here: a run without such a sentence does not import it

    return (f"{fmt(statistics.median(values))}{unit} "
            f"({fmt(min(values))}–{fmt(max(values))}{unit})")


def _km2_sig(x: float) -> str:
    """An area in km² to 2 significant figures (small zones' areas are not 0.0)."""
    return fmt_number(round_sig(x, 2), max(0, 1 - math.floor(math.log10(abs(x))))
                      if x else 0)


def _other_zones(d: dict[str, Any], others: list[dict[str, Any]]) -> str:
    """Zones beyond the largest, as a whole: share of the territory, residents under the
    plan, the median zone and the range, and how many fall below the Sphere camp
    standard of land per person (one sentence, not an arbitrary zone named)."""
    share = sum(z.get("share_of_territory") or 0.0 for z in others)
    areas = [z["area_km2"] for z in others if is_number(z.get("area_km2"), finite=True)]
    people = [z["residents"] for z in others if is_number(z.get("residents"), finite=True)]
    sent = (f"The other {fmt_number(len(others))} zones: {fmt_share(share, 1)} of the "
            f"territory, {_median_range(areas, _km2_sig, ' km²')} each (median and "
            "range)")
    if people:
        verb = "places" if _in_force(d) else "would place"
        sent += (f"; under the plan the model {verb} {fmt_people(sum(people))} residents "
                 f"there, {_median_range(people, fmt_people)} per zone")
    sphere = next((st for st in d.get("standards", [])
                   if st.get("indicator") == "m2_per_person"), None)
    if sphere is not None:
        open_zones = [z for z in others if z.get("access") != "closed"
                      and is_number(z.get("m2_per_person"), finite=True)]
        below = sum(z["m2_per_person"] < sphere["value"] for z in open_zones)
        sent += (f"; {fmt_number(below)} of the {fmt_number(len(open_zones))} open zones "
                 f"with residents give them less than {fmt_number(sphere['value'])} m² of "
                 "land per person (Sphere camp standard)")
    return sent + "."


def _displaced(d: dict[str, Any]) -> str | None:
    closed = _zones_with(d, "closed")
    moved = _sum(closed, "displaced_out")
    if not moved:
        return None
    rng = _range_sum(closed, "displaced_out")
    if _in_force(d):  # the same figure and words as the table's row 'displaced out'
        sent = (f"{fmt_people(moved)} people (range {fmt_range(rng)}, depending on "
                f"{_depends(d, 'population')}) are displaced out of zones closed to "
                "civilians and cannot return while the plan is in force: the modelled "
                f"{fmt_people(_total_residents(d))} residents, placed where people lived "
                "before the war ('People displaced out of the zone')")
        before = _sum(closed, "residents_baseline")
        if before:
            brng = _range_sum(closed, "residents_baseline")
            sent += (f"; {fmt_people(before)} (range {fmt_range(brng)}) lived there before "
                     "the war, of the pre-war population ('Residents before')")
        return sent + "."
    return (f"{fmt_people(moved)} people (range {fmt_range(rng)}, depending on "
            f"{_depends(d, 'population')}) would have to leave zones closed to "
            "civilians, in the model's reading of the plan.")


def _depends(d: dict[str, Any], people: str) -> str:
    """What the people ranges depend on, from what was actually varied.

    Examples
    --------
    >>> _depends({"lines": [{"uncertainty": {"offset_m": 200}, "variants": []}],
    ...           "alternatives": [], "population": {"ensemble": ["a", "b"]}}, "population")
    'where the line runs and how the population is spread'
    >>> _depends({"lines": [], "alternatives": [], "population": {"ensemble": ["a", "b"]}},
    ...          "population")
    'how the population is spread'
    """
    parts = []
    lines = d.get("lines") or []
    if any(ln.get("uncertainty") or ln.get("variants") for ln in lines):
        parts.append("where the line runs" if len(lines) == 1 else "where the lines run")
    if d.get("alternatives"):
        parts.append("how the zones are drawn")
    if len((d.get("population") or {}).get("ensemble") or []) > 1:
        parts.append(f"how the {people} is spread")
    if not parts:
        return "the alternatives evaluated"
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _compounds(d: dict[str, Any]) -> str | None:
    t = d.get("totals", {})
    cap, res = t.get("compound_capacity"), t.get("compound_residents")
    if not is_number(cap, finite=True):
        return None
    displaced = t.get("displaced_out")
    rng = fmt_range((t.get("ranges") or {}).get("compound_capacity"))
    sent = (f"Compounds would hold {fmt_people(cap)} people"
            + (f" (range {rng})" if "–" in rng else "")
            + f", against {fmt_people(displaced)} people displaced")
    need = t.get("compounds_needed_for_displaced")
    n = t.get("compounds")
    if is_number(need, finite=True) and is_number(n, finite=True) and n:
        sent += (f"; housing all of them would take {fmt_count(need)} compounds of "
                 f"{fmt_people(cap / n)} people")
    if is_number(res, finite=True):
        sent += f". The model places {fmt_people(res)} people in compounds"
    return sent + "."


def _hospitals(d: dict[str, Any]) -> str | None:
    t = d.get("totals", {})
    n_h = t.get("hospitals")
    if not (is_number(n_h, finite=True) and n_h):
        return None
    closed = _zones_with(d, "closed")
    in_closed = _sum(closed, "hospitals") or 0
    hi_total = ((t.get("ranges") or {}).get("hospitals") or [n_h, n_h])[1]
    hi_closed = (_range_sum(closed, "hospitals") or [in_closed, in_closed])[1]
    beds, known = t.get("hospital_beds"), t.get("hospitals_with_beds_known")
    sent = (f"{fmt_count(in_closed)} of {fmt_count(n_h)} hospitals lie in zones closed to "
            "civilians" + (f" ({fmt_count(hi_closed)} of {fmt_count(hi_total)} counting the "
                           "low-confidence rows of the hospital table)"
                           if is_number(hi_total, finite=True) and hi_total > n_h else ""))
    if is_number(beds, finite=True) and is_number(known, finite=True):
        sent += (f"; pre-war beds are known for {fmt_count(known)} of {fmt_count(n_h)} "
                 f"hospitals: at least {fmt_number(beds)} beds"
                 + (" (a lower bound, as is every figure per 10,000 residents built on it)"
                    if known < n_h else ""))
    return sent + "."


def _forces(d: dict[str, Any]) -> str | None:
    central = d.get("forces_central") or {}
    forces = d.get("forces") or []
    t = d.get("totals", {})
    if not forces and not d.get("forces_target"):
        return None
    plan_date = d.get("plan", {}).get("as_of") or d.get("plan", {}).get("date", "")
    rng = (t.get("ranges") or {}).get("forces_personnel")
    if central.get("personnel"):
        sent = (f"Security forces pledged, committed or deployed by {plan_date}: "
                f"{fmt_number(central['personnel'])} personnel "
                f"({', '.join(central.get('contributors', []))})")
    else:
        sent = f"No contributor had pledged, committed or deployed personnel by {plan_date}"
    if rng and is_number(rng[1], finite=True) and rng[1] > (central.get("personnel") or 0):
        sent += f"; listed and target figures run to {fmt_number(rng[1])}"
    old = [f for f in forces if f.get("stale")]
    days = (d.get("stale_after") or {}).get("days")
    if old and days is not None:
        plan = d.get("plan") or {}
        at = ("the plan's date" if plan.get("as_of") in (None, plan.get("date"))
              else str(plan["as_of"]))
        sent += (f"; listings older than {days} days at {at}, possibly out of date: "
                 + ", ".join(f"{f['contributor']} ({f['status']} "
                             f"{fmt_number(f['personnel'])}, as of {_when(str(f['date']))})"
                             for f in old))
    ratio = t.get("forces_per_1000")
    covered = sorted({z for f in forces for z in f.get("zones", [])})
    labels = [z["label"] for z in d.get("zones", []) if z["id"] in covered]
    living = _sum([z for z in d.get("zones", []) if z["id"] in covered], "residents")
    if is_number(ratio, finite=True):
        sent += (f"; {fmt_number(ratio, 1)} per 1,000 residents of the zones they cover "
                 "(benchmark: 20)")
    elif labels and not living:
        sent += (f"; under the plan nobody lives in the zone{'s' if len(labels) > 1 else ''} "
                 f"they would cover ({', '.join(labels)}), so there is no ratio of personnel "
                 "to residents")
    return sent + "."


def _reconstruction(d: dict[str, Any]) -> str | None:
    rec = [z for z in d.get("zones", [])
           if is_number(z.get("reconstruction_share"), finite=True)
           and z["reconstruction_share"] > 0]
    if not rec:
        return None
    rs = sum(float(z["reconstruction_share"]) for z in rec)
    res = sum(float(z.get("share_of_residents") or 0) for z in rec)
    return (f"{fmt_share(rs, 0)} of reconstruction is planned for zones where the model "
            f"places {fmt_share(res, 0)} of residents under the plan.")


def _damage(d: dict[str, Any]) -> str | None:
    t = d.get("totals", {})
    if not is_number(t.get("damaged_structures"), finite=True):
        return None
    plan = d.get("plan") or {}
    facts = plan.get("as_of") or plan.get("date")
    when = (f" (as of {t['damage_date']})" if t.get("damage_date")
            else " (the layer's date is not stated: give it with date=YYYY-MM-DD)")
    if t.get("damage_date") and facts and not known_by(str(t["damage_date"]), str(facts)):
        when = (f" (as of {t['damage_date']}, after the plan's date, {facts}: not a figure "
                "of the plan's own time)")
    parts = [f"{z['label']} {fmt_people(z.get('damaged_structures'))} "
             f"({fmt_share(z.get('damage_share'), 0)})"
             for z in sorted(d.get("zones", []), key=lambda z: -(z.get("damaged_structures")
                                                                  or 0))
             if is_number(z.get("damaged_structures"), finite=True)]
    sent = (f"Damaged structures{when}: {fmt_people(t['damaged_structures'])} in all; "
            + "; ".join(parts[:3]))
    no_rec = t.get("damage_share_without_reconstruction")
    if is_number(no_rec, finite=True) and any(
            is_number(z.get("reconstruction_share"), finite=True)
            and z["reconstruction_share"] > 0 for z in d.get("zones", [])):
        sent += (f". {fmt_share(no_rec, 0)} of them lie in zones where no reconstruction is "
                 "planned")
    return sent + "."


def _when(date: str) -> str:
    """A date as read in a sentence.

    Examples
    --------
    >>> _when("2024-02-25"), _when("2024-05"), _when("2008")
    ('25 Feb 2024', 'May 2024', '2008')
    """
    import datetime as dt

    parts = date.split("-")
    try:
        if len(parts) == 3:
            return dt.date.fromisoformat(date).strftime("%d %b %Y").lstrip("0")
        if len(parts) == 2:
            return dt.date(int(parts[0]), int(parts[1]), 1).strftime("%b %Y")
    except ValueError:
        pass
    return date


def _stale_words(d: dict[str, Any], stated: Any) -> str:
    """", status as of May 2024, older than 90 days at the plan's date" (the date of
    the facts when it is not the plan's own)."""
    plan = d.get("plan") or {}
    days = (d.get("stale_after") or {}).get("days")
    at = ("the plan's date" if plan.get("as_of") in (None, plan.get("date"))
          else str(plan["as_of"]))
    return (f"status as of {_when(str(stated))}, older than {days} days at {at}"
            if days is not None else f"status as of {_when(str(stated))}")


def _names(cs: list[dict[str, Any]], d: dict[str, Any] | None = None) -> str:
    """Crossings by name, those without coordinates and those whose status is stale
    (:data:`~zoneplan.plan.rules.as_of.STALE_AFTER`) said so."""
    out = []
    for c in cs:
        notes = [] if c["located"] else ["no coordinates"]
        if d is not None and c.get("stale"):
            notes.append(_stale_words(d, c.get("status_stated")))
        out.append(c["name"] + (f" ({'; '.join(notes)})" if notes else ""))
    return ", ".join(out)


def _aid(d: dict[str, Any]) -> str | None:
    crossings = d.get("crossings") or []
    if not crossings:
        return None
    zones = {z["id"]: z for z in d.get("zones", [])}
    placed = [c for c in crossings if c["state"] == "open" and c["opens_into"]]
    out = []
    for z in d.get("zones", []):
        if z.get("aid_through_closed_zone") is True:
            into = sorted({zones[c["opens_into"]]["label"] for c in placed})
            which = ("the only open aid crossing with coordinates, "
                     f"{placed[0]['name']}, opens" if len(placed) == 1 else
                     f"all {len(placed)} open aid crossings with coordinates open")
            out.append(f"Aid for {z['label']} must pass through a zone closed to civilians: "
                       f"{which} into {', '.join(into)}")
            if is_number(z.get("crossing_distance_median_m"), finite=True):
                out[-1] += (f"; its residents are a median "
                            f"{fmt_number(z['crossing_distance_median_m'] / 1000, 1)} km (90th "
                            f"percentile {fmt_number(z['crossing_distance_p90_m'] / 1000, 1)} km)"
                            " in a straight line from the nearest")
    if not out:
        return None
    plan = d.get("plan") or {}
    states = [(word, [c for c in crossings if c["state"] == st])
              for st, word in (("open", "open for aid"), ("open for people", "open for people "
                                                          "only"), ("closed", "closed"))]
    said = "; ".join(f"{word}: {_names(cs, d)}" for word, cs in states if cs)
    return ("; ".join(out) + "." + (f" Crossings as of {plan.get('as_of') or plan.get('date')}"
                                    f" — {said}." if said else "")
            + (" Crossings without coordinates are not in the distances."
               if any(not c["located"] and c["state"] == "open" for c in crossings) else ""))


def _width(d: dict[str, Any]) -> str | None:
    open_zones = [z for z in d.get("zones", []) if z.get("access") == "resident"
                  and is_number(z.get("width_km"), finite=True)]
    if not open_zones or len(d.get("zones", [])) < 2:
        return None
    z = max(open_zones, key=lambda z: z.get("residents") or 0)
    rng = fmt_range((z.get("ranges") or {}).get("width_km"), lambda v: fmt_number(v, 1))
    t = d.get("totals", {})
    return (f"{z['label']}: {fmt_number(z['width_km'], 1)} km wide (median across its "
            "long axis" + (f"; range {rng} km" if "–" in rng else "") + ")"
            + (f"; the whole territory, {fmt_number(t['width_km'], 1)} km" if is_number(
                t.get("width_km"), finite=True) else "") + ".")


def claims_tally(d: dict[str, Any]) -> str | None:
    """The published figures checked, counted as the headline counts them: only real
    checks counted, restating claims shown apart (a sentence without its full stop;
    ``None`` without claims)."""
    claims = d.get("claims") or []
    if not claims:
        return None
    n = {v: sum(c["verdict"] == v for c in claims)
         for v in ("consistent", "consistent only if", "inconsistent", "restates the plan",
                   "not measurable")}
    tested = n["consistent"] + n["consistent only if"] + n["inconsistent"]
    rest = [f"{n['restates the plan']} restate{'s' if n['restates the plan'] == 1 else ''} "
            "the plan (shown, not counted)" if n["restates the plan"] else "",
            f"{n['not measurable']} cannot be measured here" if n["not measurable"] else ""]
    rest = [r for r in rest if r]
    return (f"Of {tested} published figure{'' if tested == 1 else 's'} the measurement can "
            f"test: {n['consistent']} consistent, {n['consistent only if']} consistent only "
            f"if a stated alternative holds, {n['inconsistent']} inconsistent"
            + (f"; {' and '.join(rest)}" if rest else ""))


def _claims(d: dict[str, Any]) -> str | None:
    tally = claims_tally(d)
    return None if tally is None else f"{tally} (see 'Published figures checked')."


def headlines(d: dict[str, Any]) -> list[str]:
    """A few neutral sentences with the main figures, rounded for reading.

    Parameters
    ----------
    d
        The JSON result (``Result.to_dict()``).

    Returns
    -------
    list of str
        Sentences, most important first: every zone, largest first (with more than
        :data:`HEADLINE_ZONES` zones, the largest and the others as a whole), people
        displaced (or, for a plan in force, people who cannot return), compounds,
        hospitals, reconstruction, forces, published figures checked: at most
        :data:`MAX_HEADLINES`, and one more for each zone beyond the second. People to 3
        significant figures, shares as percentages.
    """
    out: list[str] = []
    total = d.get("totals", {}).get("residents")
    zones = sorted(d.get("zones", []), key=lambda z: -(z.get("share_of_territory") or 0))
    pop = d.get("population", {})
    if pop.get("baseline_replaced"):
        out.append(f"Pre-war residents come from {pop.get('baseline_label')} "
                   f"({fmt_people(pop.get('baseline_total'))} people), replacing the plan's "
                   f"baseline ({pop['baseline_replaced']}).")
    if len(zones) > HEADLINE_ZONES:  # many zones: the largest, and the others together
        out += [_zone_sentence(zones[0], total, _in_force(d)), _other_zones(d, zones[1:])]
        extra = 0
    else:
        out += [_zone_sentence(z, total, _in_force(d)) for z in zones]
        extra = max(0, len(zones) - 2)
    for part in (_displaced, _compounds, _damage, _aid, _width, _hospitals, _reconstruction,
                 _forces, _claims):
        sentence = part(d)
        if sentence:
            out.append(sentence)
    return out[:MAX_HEADLINES + extra]


def checks_sentence(d: dict[str, Any]) -> str:
    """The invariants in words, from the same numbers the result reports.

    A remainder (territory or people in no zone) is explained, never hidden behind a
    "yes".
    """
    inv = d["invariants"]
    yes = {True: "yes", False: "NO"}
    parts = [
        f"zone areas {fmt_number(inv['zone_area_km2'], 3)} km² + remainder "
        f"{fmt_number(inv['remainder_km2'], 3)} km² = territory "
        f"{fmt_number(inv['territory_km2'], 3)} km²: {yes[bool(inv['area_conserved'])]}",
        f"residents in zones {fmt_number(inv['residents_in_zones'])} + outside every zone or "
        f"unplaced {fmt_number(inv['remainder_residents'])} = modelled "
        f"{fmt_number(inv['modelled_total'])}: {yes[bool(inv['residents_conserved'])]}",
        f"pre-war residents in zones {fmt_number(inv['baseline_in_zones'])} + outside "
        f"{fmt_number(inv['remainder_residents_baseline'])} = the layer's "
        f"{fmt_number(inv['baseline_total'])}: {yes[bool(inv['baseline_conserved'])]}",
    ]
    if "baseline_in_territory" in inv:  # the layer reaches beyond the territory
        parts.append(f"pre-war residents in zones = the territory's, measured from the cells "
                     f"({fmt_number(inv['baseline_in_territory'])}): "
                     f"{yes[bool(inv['baseline_conserved'])]}")
    why: list[str] = []
    if inv["remainder_residents_baseline"] > 0.5:
        why.append(f"{fmt_number(inv['remainder_residents_baseline'])} people of the population "
                   "layer lie outside every zone (the layer reaches beyond the territory, or "
                   "the zones leave part of it uncovered)")
    if inv["unplaced_residents"] > 0.5:
        why.append(f"{fmt_number(inv['unplaced_residents'])} displaced people have no zone "
                   "open to them and are reported as unplaced")
    return ("Checks: " + "; ".join(parts) + "."
            + (" The remainder: " + "; ".join(why) + "." if why else ""))


ZONES_NAMED = 12
"""Most zones :func:`extremes_sentence` names one by one."""


def extremes_sentence(d: dict[str, Any]) -> str | None:
    """The population layer's labelled extremes (not part of any range), in words."""
    out = []
    zones = d.get("zones", [])
    named = zones
    if len(zones) > ZONES_NAMED:  # the zones with the most pre-war residents, in plan order
        ranked = sorted(range(len(zones)), key=lambda i: -(zones[i].get("residents_baseline")
                                                            or 0.0))
        named = [zones[i] for i in sorted(ranked[:ZONES_NAMED])]
    for ex in d.get("extremes") or []:
        figs = [f"{z['label']} {fmt_people(ex['zones'][z['id']].get('residents_baseline'))}"
                for z in named if z["id"] in ex["zones"]]
        more = (f" (the {len(named)} zones with the most pre-war residents; the JSON "
                f"result gives all {len(zones):,})" if named is not zones else "")
        out.append(f"Under the '{ex['id']}' spread ({ex['method']}), pre-war residents would "
                   f"be: {'; '.join(figs)}{more}. This is shown as an extreme, not as an end "
                   "of the ranges.")
    return " ".join(out) or None



LINE_FACT_KINDS = ("line variant", "line uncertainty", "alternative")
"""Kinds of later evidence that belong to a line."""


def line_variants_sentence(d: dict[str, Any]) -> str | None:
    """For lines whose variants the pack declares (the same in every plan that draws
    them), the ones the facts' date sets aside: a plan of another date may show another
    range for the same line.

    Examples
    --------
    >>> import textwrap
    >>> print(textwrap.fill(line_variants_sentence({"plan": {"date": "2025-11-14"},
    ...     "lines": [{"id": "y", "variants_from": "gaza:y"}],
    ...     "later_evidence": [{"kind": "line variant", "id": "m", "line": "y",
    ...                         "date": "2026-01"}]}), 80))
    The ranges of line 'y' use the variants the pack declares for gaza:y, the same
    in every plan that draws it, known by 2025-11-14; 1 later (m, 2026-01) is not in
    them: a plan of a later date may show another range for the same line.
    """
    plan = d.get("plan") or {}
    date = plan.get("as_of") or plan.get("date")
    later = d.get("later_evidence") or []
    out = []
    for ln in d.get("lines") or []:
        src = ln.get("variants_from")
        if not src or src == "plan":
            continue
        aside = [e for e in later if e.get("line") == ln["id"] and e.get("kind") in
                 LINE_FACT_KINDS]
        if not aside:
            continue
        ids = "; ".join(f"{e['id']}, {e.get('date') or 'undated'}" for e in aside)
        out.append(f"The ranges of line '{ln['id']}' use the variants the pack "
                   f"declares for {src}, the same in every plan that draws it, known by "
                   f"{date}; {len(aside)} later ({ids}) {'is' if len(aside) == 1 else 'are'} "
                   "not in them: a plan of a later date may show another range for the "
                   "same line.")
    return " ".join(out) or None


UNIT_SHOWN: dict[str, str] = {"percent": "%", "fraction": "", "km2": " km²",
                              "m2 per person": " m² per person",
                              "people per km2": " people per km²"}
"""How a claim's unit is written after a number."""


def _as_stated(v: float) -> str:
    """A claimed number with the digits it was stated with (198.8, 53, 2,000,000)."""
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,}"


def claim_cells(c: dict[str, Any]) -> tuple[str, str, str, str]:
    """A checked claim as table cells: what was claimed, what was measured (at the
    precision the claim is stated with, ``claimed.decimals``), the verdict and why."""
    unit = c.get("unit", "")
    scale = 100.0 if unit == "percent" else 1.0
    suffix = UNIT_SHOWN.get(unit, f" {unit}")
    cl = c.get("claimed") or {}
    # the measurement at the precision of the claim ("about 53%" → "54%"; "54.5%" →
    # "54.1%"), where the claim says it
    decimals = (int(cl["decimals"]) if isinstance(cl.get("decimals"), int) else
                1 if unit in ("percent", "km2") else 3 if unit == "fraction" else 0)
    wording = cl.get("wording") or "stated"
    word = "" if wording in ("stated", "range") else f"{wording} "
    if cl.get("value") is not None:
        claimed = word + _as_stated(cl["value"]) + suffix
    elif cl.get("range"):
        claimed = f"{_as_stated(cl['range'][0])}–{_as_stated(cl['range'][1])}{suffix}"
    elif cl.get("at_least") is not None:
        claimed = f"at least {_as_stated(cl['at_least'])}{suffix}"
    elif cl.get("at_most") is not None:
        claimed = f"{word or 'at most '}{_as_stated(cl['at_most'])}{suffix}"
    else:
        claimed = wording
    m, rng = c.get("measured"), c.get("measured_range")
    if m is None:
        measured = "—"
    else:
        measured = fmt_number(m * scale, decimals) + suffix
        lo, hi = (fmt_number(v * scale, decimals) for v in rng or (m, m))
        if lo != hi:
            measured += f" ({lo}–{hi})"
    verdict = c["verdict"]
    if verdict == "consistent only if" and c.get("only_if"):
        verdict += " " + "; or ".join(str(o.get("short") or o.get("alternative"))
                                     for o in c["only_if"])
    return claimed, measured, verdict, c["why"]


def claim_reading(c: dict[str, Any]) -> str:
    """The interval a checked claim is read as, in its unit ("[52.5%, 53.5%)")."""
    cl = c.get("claimed") or {}
    reads = cl.get("reads_as")
    if reads is None:
        return "—"
    suffix = "" if c.get("unit") in ("percent", "fraction") else UNIT_SHOWN.get(
        c.get("unit", ""), f" {c.get('unit', '')}")
    return f"{reads}{suffix}"
