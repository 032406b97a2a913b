"""``linreg-tui class report`` and ``class passwd``; a roster's keys and passwords."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import asyncssh
import pytest
from classroom_client import connect, open_app, start_server, stop_server

from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.progress import ProgressStore
from linreg_tui.lessons.progress_model import Progress
from linreg_tui.tui.classroom.auth import RosterError, RosterFile, check_password, hash_password
from linreg_tui.tui.cli import main


def _class(root: Path) -> list[str]:
    """Two learners with progress, one who never did anything, and a non-learner folder."""
    lessons = [lesson.id for lesson in load_course().lessons]
    progress = Progress()
    course = progress.course("bundled")
    course.mark_done(lessons[0])
    course.record(lessons[0], "a", "correct", 1)
    course.record(lessons[0], "b", "revealed", 3)
    course.record(lessons[1], "c", "skipped", 0)
    course.set_position(lessons[1], 2, now=1_780_000_000.0)
    ProgressStore(root / "alice").save(progress)
    (root / "bob").mkdir()
    (root / ".server").mkdir()
    return lessons


def test_class_report_as_text_csv_and_json(tmp_path: Path, capsys) -> None:
    lessons = _class(tmp_path)
    assert main(["class", "report", "--data-root", str(tmp_path)]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].split() == ["learner", "lessons", "correct", "revealed", "skipped", "last",
                               "active"]  # fmt: skip
    assert text[1].split()[:5] == ["alice", f"1/{len(lessons)}", "1", "1", "1"]
    assert text[2].split() == ["bob", f"0/{len(lessons)}", "0", "0", "0", "never"]
    assert len(text) == 3  # .server is not a learner
    assert main(["class", "report", "--data-root", str(tmp_path), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["learner"] == "alice" and rows[0]["lessons_done"] == "1"
    assert main(["class", "report", "--data-root", str(tmp_path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["correct"] == 1 and data[0]["last_active"].endswith("Z")


def test_class_report_of_a_missing_folder_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["class", "report", "--data-root", str(tmp_path / "none")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_password_hashes_check() -> None:
    stored = hash_password("correct horse")
    assert check_password("correct horse", stored)
    assert not check_password("wrong horse", stored)
    assert not check_password("x", "not-a-hash")


async def test_a_roster_admits_its_learners_by_key_or_password_and_no_one_else(
    tmp_path: Path,
) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    roster = tmp_path / "roster"
    roster.write_text(
        f"# class 3B\nkim {key.export_public_key().decode().strip()}\n"
        f"rob {hash_password('rob-secret-1')}\n"
    )
    served = start_server(tmp_path, "--roster", str(roster))
    try:
        async with await connect(served, "kim", password=None, client_keys=[key]) as conn:
            chan, screen = await open_app(conn)
            assert await screen.wait_for(b"Engine ready", 15)
            chan.close()
        async with await connect(served, "rob", password="rob-secret-1") as conn:
            pass
        for user, password in (("rob", "test-token-12345"), ("zed", "test-token-12345")):
            with pytest.raises(asyncssh.PermissionDenied):
                await connect(served, user, password=password)
        await asyncio.sleep(0.2)
        assert "zed is not on this class's roster" in served.log
        # The teacher adds zed while the class runs: the next login reads the file again.
        with roster.open("a") as lines:
            lines.write(f"zed {hash_password('zed-secret-1')}\n")
        async with await connect(served, "zed", password="zed-secret-1") as conn:
            chan, screen = await open_app(conn)
            assert await screen.wait_for(b"Engine ready", 15)
            chan.close()
        assert f"roster {roster} re-read: 3 learners" in served.log
    finally:
        stop_server(served)


def test_a_roster_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "roster"
    path.write_text(f"ann {hash_password('a-secret-1')}\n")
    lines: list[str] = []
    rosters = RosterFile(path, lines.append)
    assert rosters.current().users == {"ann"}
    assert lines == []  # unchanged: not read again
    path.write_text(f"ann {hash_password('a-secret-1')}\nbo {hash_password('b-secret-1')}\n")
    assert rosters.current().users == {"ann", "bo"}
    assert lines == [f"roster {path} re-read: 2 learners"]
    path.write_text("bo not-a-secret\n")  # a typo while editing: the last good roster stays
    assert rosters.current().users == {"ann", "bo"}
    assert "not re-read, the previous one stays" in lines[-1] and ":1:" in lines[-1]
    path.unlink()
    assert rosters.current().users == {"ann", "bo"}
    bad = tmp_path / "bad-roster"
    bad.write_text("not a roster line\n")
    with pytest.raises(RosterError):  # at start a bad roster stops the server
        RosterFile(bad)
