"""Facts as of a date (``plan_as_of``, ``evaluate(..., as_of=)``, ``run --as-of``): later
facts are later evidence and enter no figure, range or verdict.

Expectations are read off the dated crossing history by hand
(``crossing_status_history.csv``) and the default plan's stated dates.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import zoneplan
from zoneplan.cli.app import main
from zoneplan.errors import InputError
from zoneplan.pack import crossing_states_on
from zoneplan.plan import load_plan
from zoneplan.plan.rules.as_of import known_by, plan_as_of


def _states(d: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["state"] for c in d["crossings"]}


@pytest.fixture(scope="module")
def on_plan_date() -> dict[str, Any]:
    return zoneplan.evaluate("green-red-2025-11", ranges=False).to_dict()


@pytest.fixture(scope="module")
def in_february() -> dict[str, Any]:
    return zoneplan.evaluate("green-red-2025-11", ranges=False, as_of="2026-02-15").to_dict()


def test_crossings_on_the_plan_date(on_plan_date: dict[str, Any]) -> None:
    # 14 Nov 2025: Rafah closed since 18 Mar 2025, Erez closed; Kerem Shalom and Kissufim
    # reopened 20 Oct, Zikim 12 Nov, all for aid
    s = _states(on_plan_date)
    assert s["rafah"] == s["erez"] == "closed"
    assert s["kerem_shalom"] == s["kissufim"] == s["zikim"] == "open"
    assert on_plan_date["plan"]["as_of"] == "2025-11-14"


def test_rafah_open_for_people_from_february_2026(on_plan_date: dict[str, Any],
                                                   in_february: dict[str, Any]) -> None:
    assert _states(in_february)["rafah"] == "open for people"
    rafah = next(c for c in in_february["crossings"] if c["id"] == "rafah")
    assert rafah["status_date"] == "2026-02-02"
    later = [e for e in on_plan_date["later_evidence"] if e["kind"] == "crossing state"]
    assert ("rafah", "open_limited", "2026-02-02") in {(e["id"], e["state"], e["date"])
                                                      for e in later}
    # open for people only carries no aid: the aid figures are the same
    red = {k: next(z for z in d["zones"] if z["id"] == "red")
           for k, d in (("nov", on_plan_date), ("feb", in_february))}
    assert red["nov"]["crossing_distance_median_m"] == red["feb"]["crossing_distance_median_m"]


def test_forces_as_of_a_date(on_plan_date: dict[str, Any],
                             in_february: dict[str, Any]) -> None:
    nov = {(e["contributor"], e["personnel"]) for e in on_plan_date["forces"]}
    feb = {(e["contributor"], e["personnel"]) for e in in_february["forces"]}
    assert ("Indonesia", 20000) in nov and ("Indonesia", 8000) not in nov
    assert ("Indonesia", 8000) in feb
    words = {e["words"] for e in on_plan_date["later_evidence"] if e["kind"] == "force"}
    assert words == {"can send up to 8,000 personnel"}


def test_later_line_variants_enter_no_range() -> None:
    plan, later = plan_as_of(load_plan("green-red-2025-11"))
    assert plan.lines[0].variants == [] and plan.lines[0].uncertainty is not None
    assert {(e["id"], e["date"]) for e in later if e["kind"] == "line variant"} == {
        ("markers-200m-west", "2025-12"), ("markers-300m-west", "2026-01")}
    # the model's assumption is not a dated fact: never set aside
    plan, _ = plan_as_of(load_plan("green-red-2025-11"), "2025-10-20")
    assert plan.lines[0].uncertainty is not None
    # a second date starts from the whole plan again, keeping what was added since
    plan = plan.model_copy(update={"notes": ["added"]})
    again, later = plan_as_of(plan, "2026-02-15")
    assert [v.id for v in again.lines[0].variants] == ["markers-200m-west",
                                                       "markers-300m-west"]
    assert again.notes == ["added"] and again.facts_date == "2026-02-15"


def test_month_dates_count_from_their_first_day() -> None:
    assert known_by("2026-02", "2026-02-15") and not known_by("2026-03", "2026-02-15")
    assert known_by(None, "2000-01-01") and known_by("2025", "2025-01-01")
    on, later = crossing_states_on("2025-07-10")  # Zikim reopened "by Jul 2025"
    assert on["zikim"]["state"] == "open_limited"
    assert all(r["valid_from"] > "2025-07-10" for r in later)


def test_as_of_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--as-of", "2026-02-15", "--no-ranges", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["plan"]["as_of"] == "2026-02-15" and _states(d)["rafah"] == "open for people"
    assert main(["run", "--as-of", "15/02/2026", "--no-ranges"]) == 2
    assert "is not a date" in capsys.readouterr().err


def test_a_bad_date_is_refused() -> None:
    with pytest.raises(InputError, match="not a date"):
        plan_as_of(load_plan("green-red-2025-11"), "2026-13-01")


# --- stale statuses (issue 26) ------------------------------------------------------------


def test_the_stated_age_rests_on_the_pack_history() -> None:
    """STALE_AFTER's reason states figures of the pack's crossing history: recount them
    here from the CSV, by hand-written day arithmetic."""
    import csv
    import datetime as dt

    from zoneplan.pack.tables import PACK_DIR
    from zoneplan.plan.rules.as_of import STALE_AFTER

    def day(t: str) -> dt.date:
        t = t.strip()
        return dt.date.fromisoformat(t + "-01-01" if len(t) == 4 else
                                     t + "-01" if len(t) == 7 else t)

    with (PACK_DIR / "crossing_status_history.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["crossing_id"] not in ("karni", "sufa")]
    lasted = sorted((day(r["valid_to"]) - day(r["valid_from"])).days
                    for r in rows if r["valid_to"].strip())
    assert STALE_AFTER.days == 90
    assert len(lasted) == 30 and sum(x <= 90 for x in lasted) == 14
    assert (lasted[14] + lasted[15]) / 2 == pytest.approx(109.5)  # "median lasted 110"
    assert "30 states" in STALE_AFTER.reason and "14 (47%)" in STALE_AFTER.reason


def test_stale_counts_days_from_the_first_day() -> None:
    from zoneplan.plan.rules.as_of import age_days, stale

    # 16 Aug -> 14 Nov 2025: 15 + 30 + 31 + 14 = 90 days, not older than 90
    assert age_days("2025-08-16", "2025-11-14") == 90 and stale("2025-08-16", "2025-11-14") is False
    assert stale("2025-08-15", "2025-11-14") is True
    assert age_days("2025-08", "2025-11-14") == 105  # a month counts from its first day
    assert stale("n.d.", "2025-11-14") is None and stale(None, "2025-11-14") is None


def test_stale_crossing_statuses_on_the_plan_date(on_plan_date: dict[str, Any]) -> None:
    c = {x["id"]: x for x in on_plan_date["crossings"]}
    # crossing_status_history.csv as known on 14 Nov 2025: Rafah closed from 18 Mar 2025
    # (source of that day), Karni closed since 2011 (source of 25 Feb 2024), Sufa closed
    # since 2008 (crossings.csv); Erez closed from 10 Oct 2025, source of 22 Oct 2025
    assert (c["rafah"]["status_stated"], c["rafah"]["status_age_days"]) == ("2025-03-18", 241)
    assert (c["karni"]["status_stated"], c["karni"]["status_age_days"]) == ("2024-02-25", 628)
    assert c["erez"]["status_stated"] == "2025-10-22" and c["erez"]["status_age_days"] == 23
    assert {k for k, x in c.items() if x["stale"]} == {"rafah", "karni", "sufa"}
    assert c["salah_al_din_gate"]["stale"] is None  # no dated status at all
    assert on_plan_date["stale_after"]["days"] == 90
    assert not any(f["stale"] for f in on_plan_date["forces"])  # all dated 14 Nov 2025


def test_stale_statuses_later_and_in_the_text(in_february: dict[str, Any]) -> None:
    from zoneplan.render.words.headlines import headlines

    c = {x["id"]: x for x in in_february["crossings"]}
    # 22 Oct 2025 -> 15 Feb 2026: 9 + 30 + 31 + 31 + 15 = 116 days
    assert c["erez"]["status_age_days"] == 116 and c["erez"]["stale"] is True
    assert c["rafah"]["stale"] is False  # open for people from 2 Feb 2026
    uk = next(f for f in in_february["forces"] if f["contributor"] == "United Kingdom")
    assert uk["age_days"] == 93 and uk["stale"] is True  # 14 Nov 2025 -> 15 Feb 2026
    text = " ".join(headlines(in_february))
    assert ("Erez Crossing (status as of 22 Oct 2025, older than 90 days at 2026-02-15)"
            in text)
    assert "United Kingdom (reported 1,500, as of 14 Nov 2025)" in text


def test_stale_statuses_said_at_the_plan_date(on_plan_date: dict[str, Any]) -> None:
    from zoneplan.render.words.headlines import headlines

    text = " ".join(headlines(on_plan_date))
    assert ("Karni Crossing (status as of 25 Feb 2024, older than 90 days at the plan's "
            "date)") in text
    assert "Erez Crossing (" not in text  # 23 days old: not flagged


def test_damage_dated_after_the_plan_is_later_evidence() -> None:
    # baseline-2023 is dated 6 Oct 2023; UNOSAT's assessment is of 11 Oct 2025: not a
    # figure of the plan, listed as later evidence with the layer's 198,308 structures
    d = zoneplan.evaluate("baseline-2023", ranges=False).to_dict()
    assert d["totals"]["damaged_structures"] is None
    assert d["totals"]["damage_date"] is None
    assert all(z["damaged_structures"] is None for z in d["zones"])
    assert "2025-10-11" in d["totals"]["null_reasons"]["damaged_structures"]
    later = [e for e in d["later_evidence"] if e["kind"] == "damage assessment"]
    assert len(later) == 1 and later[0]["date"] == "2025-10-11"
    assert later[0]["sources"] == ["unosat-cda-2025-10-11"]
    assert "198,308 damaged structures" in later[0]["note"]
    # as of the assessment's date it is a figure: all 1,196 clusters lie in the one zone
    # (198,307: a cluster of one structure lies outside the territory)
    d = zoneplan.evaluate("baseline-2023", ranges=False, as_of="2025-10-11").to_dict()
    assert d["totals"]["damaged_structures"] == pytest.approx(198_307)
    assert not [e for e in d["later_evidence"] if e["kind"] == "damage assessment"]


def test_damage_known_by_the_plan_date_is_a_figure(on_plan_date: dict[str, Any]) -> None:
    # the default plan (14 Nov 2025) postdates the assessment (11 Oct 2025)
    assert on_plan_date["totals"]["damage_date"] == "2025-10-11"
    assert on_plan_date["totals"]["damaged_structures"] == pytest.approx(198_307)
    assert not [e for e in on_plan_date["later_evidence"]
                if e["kind"] == "damage assessment"]
