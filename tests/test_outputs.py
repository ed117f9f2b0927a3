"""Outputs appear whole or not at all, leave no temporaries behind, and replace only
folders zoneplan wrote (they hold its marker), never copying the old one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from zoneplan.errors import OutputExistsError
from zoneplan.io import temporaries
from zoneplan.io.outputs import (
    OUTPUT_MARKER,
    atomic_dir,
    check_output_dir,
    is_zoneplan_output,
    write_text_atomic,
)
from zoneplan.io.temporaries import OLD_PREFIX, TMP_PREFIX, clean_stale


def _ended_pid() -> int:
    """The id of a process that has ended."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _old_folder(tmp_path: Path) -> Path:
    """A folder zoneplan wrote earlier (it holds the marker), with a file the user added."""
    out = tmp_path / "out"
    with atomic_dir(out, command="report") as tmp:
        (tmp / "sub").mkdir()
        (tmp / "report.html").write_text("old")
        (tmp / "sub" / "data.csv").write_text("1,2")
    (out / "mine.txt").write_text("my notes")
    (out / "link").symlink_to("mine.txt")
    return out


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".zoneplan-")]


def test_a_new_folder_carries_the_marker(tmp_path: Path) -> None:
    out = _old_folder(tmp_path)
    marker = json.loads((out / OUTPUT_MARKER).read_text(encoding="utf-8"))
    assert marker["tool"] == "zoneplan" and marker["command"] == "report"
    assert set(marker) == {"tool", "version", "command", "written_utc"}
    assert is_zoneplan_output(out)


@pytest.mark.parametrize("one_step", [True, False])
def test_overwrite_replaces_a_zoneplan_output_whole_without_copying(
        tmp_path: Path, one_step: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not one_step:  # systems without renameat2: move aside, move in
        monkeypatch.setattr(temporaries, "_exchange_in_one_step", lambda a, b: False)
    out = _old_folder(tmp_path)

    def no_copy(*args: object, **kwargs: object) -> None:
        raise AssertionError("the old folder must not be copied or linked")

    for name in ("copy", "copy2", "copytree", "copyfile"):
        monkeypatch.setattr(shutil, name, no_copy)
    monkeypatch.setattr(os, "link", no_copy)
    with atomic_dir(out, overwrite=True, command="compare") as tmp:
        assert tmp.name.startswith(f"{TMP_PREFIX}out-{os.getpid()}-")
        (tmp / "report.html").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == sorted([OUTPUT_MARKER, "report.html"])
    assert (out / "report.html").read_text() == "new"
    assert json.loads((out / OUTPUT_MARKER).read_text())["command"] == "compare"
    assert _leftovers(tmp_path) == []


def _marker(content: str) -> Callable[[Path], None]:
    return lambda out: (out / OUTPUT_MARKER).write_text(content)


@pytest.mark.parametrize("make", [
    lambda out: None,  # an empty folder
    lambda out: (out / "thesis.docx").write_text("years of work"),
    lambda out: (out / "report.html").write_text("looks like a report"),
    _marker("not json"),
    _marker('{"tool": "other"}'),
    _marker('["zoneplan"]'),
    _marker('{"tool": "zoneplan", "pad": "' + "x" * 5000 + '"}'),
    lambda out: (out / OUTPUT_MARKER).mkdir(),
    lambda out: (out / OUTPUT_MARKER).symlink_to(out.parent / "elsewhere.json"),
], ids=["empty", "user-files", "report-lookalike", "marker-not-json", "marker-other-tool",
        "marker-a-list", "marker-too-large", "marker-a-folder", "marker-a-link"])
def test_a_folder_zoneplan_did_not_write_is_refused(tmp_path: Path,
                                                   make: Callable[[Path], object]) -> None:
    (tmp_path / "elsewhere.json").write_text('{"tool": "zoneplan"}')
    out = tmp_path / "out"
    out.mkdir()
    make(out)
    before = sorted(p.name for p in out.iterdir())
    ran = []
    with pytest.raises(OutputExistsError, match="is not a zoneplan output") as ei, \
            atomic_dir(out, overwrite=True):
        ran.append(True)
    assert ran == [] and "move or delete the folder yourself" in (ei.value.suggestion or "")
    assert sorted(p.name for p in out.iterdir()) == before
    assert _leftovers(tmp_path) == []
    with pytest.raises(OutputExistsError, match="is not a zoneplan output"):
        check_output_dir(out, overwrite=True)


def test_a_link_to_a_folder_is_refused(tmp_path: Path) -> None:
    out = _old_folder(tmp_path)
    (tmp_path / "alias").symlink_to(out)
    with pytest.raises(OutputExistsError, match="symbolic link"):
        check_output_dir(tmp_path / "alias", overwrite=True)
    assert (out / "mine.txt").read_text() == "my notes"


def test_failed_move_in_puts_the_old_folder_back(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(temporaries, "_exchange_in_one_step", lambda a, b: False)
    out = _old_folder(tmp_path)
    real_rename = Path.rename

    def failing(self: Path, target: Path) -> Path:
        if self.name.startswith(TMP_PREFIX):
            raise OSError(28, "No space left on device")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", failing)
    with pytest.raises(OSError, match="No space"), atomic_dir(out, overwrite=True) as tmp:
        (tmp / "report.html").write_text("new")
    assert (out / "report.html").read_text() == "old"
    assert (out / "mine.txt").read_text() == "my notes"
    assert _leftovers(tmp_path) == []


def test_stale_temporaries_go_live_ones_stay(tmp_path: Path) -> None:
    dead = _ended_pid()
    stale = tmp_path / f"{TMP_PREFIX}out-{dead}-abcdefgh"
    stale.mkdir()
    live = tmp_path / f"{TMP_PREFIX}out-{os.getpid()}-zzzzzzzz"
    live.mkdir()
    stale_file = tmp_path / f"{TMP_PREFIX}r.json-{dead}-qqqqqqqq"
    stale_file.write_text("{")
    other = tmp_path / ".zoneplan-tmp-notes"  # not one of ours: no process id
    other.write_text("x")
    write_text_atomic(tmp_path / "r.json", "{}")  # writing here cleans up first
    assert sorted(_leftovers(tmp_path)) == sorted([live.name, other.name])


def test_a_folder_moved_aside_by_a_killed_process_comes_back(tmp_path: Path) -> None:
    aside = tmp_path / f"{OLD_PREFIX}out-{_ended_pid()}-abcdefgh"
    aside.mkdir()
    (aside / "report.html").write_text("old")
    assert clean_stale(tmp_path) == [aside]
    assert (tmp_path / "out" / "report.html").read_text() == "old"


def test_a_folder_is_not_an_output_file(tmp_path: Path) -> None:
    with pytest.raises(OutputExistsError, match="this is a folder"):
        write_text_atomic(tmp_path, "{}", overwrite=True)


def test_json_in_pieces_is_the_same_text(tmp_path: Path) -> None:
    """A result of thousands of zones is written in pieces, zone by zone: the same text
    as one json.dumps, for one result and for a list; a failing piece leaves nothing."""
    import json

    from zoneplan.result import INDENT_ZONES, json_chunks, json_text

    zones = [{"id": f"zone-{k}", "label": "Ḥ ‘x’", "area_km2": k / 7, "ranges": {"a": [k, 1.5]},
              "null_reasons": {}, "notes": []} for k in range(INDENT_ZONES + 5)]
    one = {"plan": {"id": "p"}, "zones": zones, "totals": {"x": None}, "lines": [], "by": {}}
    for data in (one, [one, one]):
        pieces = list(json_chunks(data))
        assert len(pieces) > INDENT_ZONES
        assert "".join(pieces) == json_text(data) == json.dumps(data, ensure_ascii=False)
        write_text_atomic(tmp_path / "r.json", iter(pieces), overwrite=True)
        assert (tmp_path / "r.json").read_text(encoding="utf-8") == "".join(pieces)
    small = {"zones": zones[:2]}
    assert json_text(small) == json.dumps(small, indent=2, ensure_ascii=False)

    def failing() -> Iterator[str]:
        yield "{"
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        write_text_atomic(tmp_path / "bad.json", failing())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]
