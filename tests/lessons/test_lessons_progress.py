"""Saved progress: resume, corrupt files, concurrent writers, reset, completion."""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_tui.lessons.loader import course_key, load_course
from linreg_tui.lessons.model import Checkpoint
from linreg_tui.lessons.progress import (
    ENV_DIR,
    STALE_TEMP_AGE,
    Progress,
    ProgressStore,
    data_dir,
    load_progress,
    reset_progress,
)
from linreg_tui.lessons.progress_model import RESULTS, CheckpointResult, CourseProgress


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProgressStore:
    monkeypatch.setenv(ENV_DIR, str(tmp_path / "data"))
    return ProgressStore()


def test_env_var_sets_the_folder(store: ProgressStore, tmp_path: Path) -> None:
    assert data_dir() == tmp_path / "data"
    assert store.path == tmp_path / "data" / "progress.json"


def test_fresh_start_without_a_file(store: ProgressStore) -> None:
    progress, notice = store.load()
    assert notice is None and progress.courses == {} and progress.language is None


def test_resume_after_reload(store: ProgressStore) -> None:
    course = load_course()
    first, second = course.lessons[0], course.lessons[1]

    def walk(p: Progress) -> None:
        c = p.course(course.key)
        c.mark_done(first.id)
        for checkpoint in first.checkpoints:  # done: every checkpoint settled
            c.record(first.id, checkpoint.id, "correct", 1)
        c.set_position(second.id, 3)
        c.record(second.id, second.checkpoints[0].id, "correct", 2)
        p.set_language("zh")

    _, notice = store.update(walk)
    assert notice is None
    progress, notice = ProgressStore(store.directory).load()  # a new session
    assert notice is None and progress.language == "zh"
    c = progress.course(course.key)
    lesson, item = c.resume(course)  # type: ignore[misc]
    assert (lesson.id, item) == (second.id, 3)
    assert c.result(second.id, second.checkpoints[0].id).tries == 2  # type: ignore[union-attr]
    assert c.fraction(course) == pytest.approx(1 / len(course.lessons))
    assert c.lesson_fraction(first) == 1.0
    pages_read = sum(1 for item in second.items()[:4] if not isinstance(item, Checkpoint))
    settled = 1  # second's first checkpoint; paging past the others does not count
    assert c.lesson_fraction(second) == pytest.approx((pages_read + settled) / len(second.items()))
    assert not list(store.directory.glob(".progress-*"))  # no temporary files left behind


def test_resume_falls_back_to_first_unfinished_lesson(store: ProgressStore) -> None:
    course = load_course()
    first = course.lessons[0]

    def finish_first(p: Progress) -> None:
        p.course("bundled").mark_done(first.id)
        for checkpoint in first.checkpoints:
            p.course("bundled").record(first.id, checkpoint.id, "skipped", 0)

    progress, _ = store.update(finish_first)
    lesson, item = progress.course("bundled").resume(course)  # type: ignore[misc]
    assert (lesson.id, item) == (course.lessons[1].id, 0)
    stale, _ = store.update(lambda p: p.course("bundled").set_position("no-such-lesson", 4))
    assert stale.course("bundled").resume(course)[0].id == course.lessons[1].id  # type: ignore


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe garbage",
        b'{"version": 1, "courses": {"bundled": {"done": 3}}}',
        b'{"version": 99}',
        b"[]",
    ],
)
def test_corrupt_file_is_moved_aside(store: ProgressStore, content: bytes) -> None:
    store.directory.mkdir(parents=True)
    store.path.write_bytes(content)
    progress, notice = store.load()
    assert progress.courses == {}
    assert notice is not None and "\n" not in notice
    aside = list(store.directory.glob("progress.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].name in notice
    assert aside[0].read_bytes() == content  # kept for the curious, not erased
    assert not store.path.exists()
    progress, notice = store.update(lambda p: p.course("bundled").mark_done("loss"))
    assert notice is None and json.loads(store.path.read_text())["courses"]["bundled"]["done"] == [
        "loss"
    ]


def test_notice_in_chinese(store: ProgressStore) -> None:
    store.directory.mkdir(parents=True)
    store.path.write_text("oops")
    _, notice = load_progress(store.directory, lang="zh")
    assert notice is not None and "进度文件" in notice


def test_save_merges_two_sessions(store: ProgressStore) -> None:
    a, _ = store.load()
    b, _ = ProgressStore(store.directory).load()
    a.course("bundled").mark_done("loss")
    a.course("bundled").set_position("loss", 5, now=100.0)
    a.course("bundled").record("loss", "q1", "revealed", 3)
    b.course("bundled").mark_done("gradient")
    b.course("bundled").set_position("gradient", 2, now=200.0)
    b.course("bundled").record("loss", "q1", "correct", 1)
    store.save(a)
    merged, _ = ProgressStore(store.directory).save(b)
    c = merged.course("bundled")
    assert c.done == {"loss", "gradient"}
    assert (c.lesson, c.item) == ("gradient", 2)  # the later position wins
    assert c.reached == {"loss": 5, "gradient": 2}  # max per lesson
    assert c.result("loss", "q1").result == "correct"  # type: ignore[union-attr]
    assert c.result("loss", "q1").tries == 3  # type: ignore[union-attr]


def _writer(directory: str, worker: int, rounds: int) -> None:
    """One session marking its own lessons done, one locked update at a time."""
    store = ProgressStore(directory)
    for i in range(rounds):

        def change(p: Progress, i: int = i) -> None:
            c = p.course("bundled")
            c.mark_done(f"w{worker}-{i}")
            c.set_position(f"w{worker}-{i}", i)

        store.update(change)
        if i % 10 == 0:  # and now and then a whole in-memory copy, merged on save
            mine, _ = store.load()
            mine.course("bundled").record(f"w{worker}", f"c{i}", "skipped", 1)
            store.save(mine)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    workers, rounds = 4, 40
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, rounds)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    progress, notice = ProgressStore(tmp_path).load()
    assert notice is None
    c = progress.course("bundled")
    assert c.done == {f"w{w}-{i}" for w in range(workers) for i in range(rounds)}
    assert len(c.checkpoints) == workers * len(range(0, rounds, 10))
    assert c.reached == {f"w{w}-{i}": i for w in range(workers) for i in range(rounds)}


def test_reset(store: ProgressStore, tmp_path: Path) -> None:
    other = course_key(tmp_path / "teacher")
    store.update(lambda p: (p.course("bundled").mark_done("loss"), p.course(other).mark_done("x")))
    assert store.reset("bundled") is None
    progress, _ = store.load()
    assert "bundled" not in progress.courses and progress.course(other).done == {"x"}
    reset_progress()  # the env var's folder: everything
    assert not store.path.exists()
    assert store.load()[0].courses == {}


def test_unwritable_folder_gives_a_notice(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    progress, notice = ProgressStore(blocker / "sub").update(
        lambda p: p.course("bundled").mark_done("loss")
    )
    assert notice is not None and "could not be saved" in notice
    assert progress.course("bundled").done == {"loss"}  # the session goes on in memory
    assert ProgressStore(blocker / "sub").load()[1] is not None


def test_course_keys() -> None:
    assert course_key(None) == "bundled"
    assert course_key("a/b") == course_key(Path("a/b").resolve())
    assert course_key("a/b") != course_key("a/c")


# -- hardening: files nobody wrote on purpose ------------------------------------------


def test_deeply_nested_file_is_moved_aside(store: ProgressStore) -> None:
    """100,000 nested lists exceed the JSON parser's depth (RecursionError): still corrupt."""
    store.directory.mkdir(parents=True)
    store.path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    progress, notice = store.load()
    assert progress.courses == {} and notice is not None and "\n" not in notice
    assert "nested too deeply" in notice
    assert not store.path.exists() and list(store.directory.glob("progress.json.corrupt-*"))


def test_out_of_range_values_are_clamped_and_reported(store: ProgressStore) -> None:
    course = load_course()
    lesson = course.lessons[0]
    store.directory.mkdir(parents=True)
    entry = {
        "reached": {lesson.id: -5},
        "position": {"lesson": lesson.id, "item": -3, "at": float("nan")},
        "checkpoints": {"x/y": {"result": "correct", "tries": -2, "at": 10**400}},
    }
    raw = {"version": 1, "language_at": -1.0, "courses": {course.key: entry}}
    store.path.write_text(json.dumps(raw), encoding="utf-8")
    progress, notice = store.load()
    assert notice is not None and "\n" not in notice and "-5 → 0" in notice and "+" in notice
    c = progress.course(course.key)
    assert c.reached[lesson.id] == 0 and c.item == 0 and c.at == 0.0
    assert c.result("x", "y") == CheckpointResult("correct", 0, 0.0)
    assert 0.0 <= c.lesson_fraction(lesson) <= 1.0  # not "-50 %"
    assert progress.language_at == 0.0
    assert store.path.exists()  # corrected, not moved aside
    progress, notice = store.save(progress)  # the next save writes the corrected values
    assert notice is not None  # (reported once more: the file still had them)
    assert store.load() == (progress, None)


def test_stale_temporary_files_are_removed_on_load(store: ProgressStore) -> None:
    store.directory.mkdir(parents=True)
    old, new = store.directory / ".progress-old.tmp", store.directory / ".progress-new.tmp"
    other = store.directory / "notes.tmp"
    for path in (old, new, other):
        path.write_text("{", encoding="utf-8")
    hours_ago = time.time() - 2 * STALE_TEMP_AGE
    os.utime(old, (hours_ago, hours_ago))
    os.utime(other, (hours_ago, hours_ago))
    store.load()
    assert not old.exists() and new.exists() and other.exists()


# -- properties (hypothesis) -----------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
IDS = st.sampled_from(["loss", "gradient", "lr", "[b]x", "测试"])
TIMES = st.floats(min_value=1, max_value=2e9)  # as time.time() gives (ties merge as no change)
CHECKPOINTS = st.builds(CheckpointResult, st.sampled_from(RESULTS), st.integers(0, 50), TIMES)
COURSES = st.builds(
    CourseProgress,
    done=st.sets(IDS, max_size=3),
    reached=st.dictionaries(IDS, st.integers(0, 30), max_size=3),
    lesson=st.none() | IDS,
    item=st.integers(0, 30),
    at=TIMES,
    checkpoints=st.dictionaries(st.tuples(IDS, IDS).map("/".join), CHECKPOINTS, max_size=3),
).map(lambda c: c if c.lesson else CourseProgress(c.done, c.reached, checkpoints=c.checkpoints))
# (a position is saved only with its lesson: no lesson, no item or time)
PROGRESS = st.builds(
    Progress,
    courses=st.dictionaries(st.sampled_from(["bundled", "k1"]), COURSES, max_size=2),
    language=st.none() | st.sampled_from(["en", "zh"]),
    language_at=TIMES,
).map(lambda p: p if p.language else Progress(p.courses))
# A progress file's shape with any value anywhere: nearly valid files, the hard case.
NEAR_VALID = st.fixed_dictionaries(
    {"version": st.sampled_from([1, 1, 2, "1"]), "courses": st.dictionaries(
        st.text(max_size=4),
        st.fixed_dictionaries({}, optional={
            "done": JSON, "reached": st.dictionaries(IDS, JSON) | JSON,
            "position": st.fixed_dictionaries({"lesson": JSON, "item": JSON, "at": JSON}),
            "checkpoints": st.dictionaries(IDS, st.fixed_dictionaries(
                {"result": st.sampled_from(RESULTS) | JSON}, optional={"tries": JSON, "at": JSON}
            )),
        }),
        max_size=2,
    )},
    optional={"language": JSON, "language_at": JSON},
)  # fmt: skip
FAST = settings(max_examples=60, deadline=None)


def _outcome(directory: Path, content: bytes) -> None:
    """Load ``content``: fresh progress and a one-line notice with the file moved aside,
    or the progress it holds (clamped values named in a notice) with the file kept."""
    store = ProgressStore(directory)
    store.path.write_bytes(content)
    progress, notice = store.load()
    assert isinstance(progress, Progress)
    assert notice is None or (isinstance(notice, str) and "\n" not in notice)
    if store.path.exists():
        assert notice is None or "out of range" in notice
        json.dumps(progress.to_json(), allow_nan=False)  # only finite numbers survive
    else:
        assert progress.courses == {} and notice is not None
        assert list(directory.glob("progress.json.corrupt-*"))
    for course in progress.courses.values():
        assert all(v >= 0 for v in course.reached.values()) and course.item >= 0


@FAST
@given(st.binary(max_size=200))
def test_any_bytes_load_to_a_documented_outcome(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _outcome(Path(folder), content)


@FAST
@given(JSON | NEAR_VALID)
def test_any_json_loads_to_a_documented_outcome(data: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _outcome(Path(folder), json.dumps(data).encode())


@FAST
@given(PROGRESS)
def test_save_then_load_round_trips(progress: Progress) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = ProgressStore(folder)
        store.save(progress)
        loaded, notice = store.load()
        assert notice is None and loaded.to_json() == progress.to_json()


@FAST
@given(PROGRESS, PROGRESS)
def test_merging_keeps_the_most_progress(a: Progress, b: Progress) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = ProgressStore(folder)
        store.save(a)
        merged, _ = store.save(b)
        for key in set(a.courses) | set(b.courses):
            m = merged.course(key)
            ca, cb = a.courses.get(key, CourseProgress()), b.courses.get(key, CourseProgress())
            assert m.done == ca.done | cb.done
            for lesson in set(ca.reached) | set(cb.reached):
                assert m.reached[lesson] == max(
                    ca.reached.get(lesson, 0), cb.reached.get(lesson, 0)
                )
            for cp in set(ca.checkpoints) | set(cb.checkpoints):
                mine = [c for c in (ca.checkpoints.get(cp), cb.checkpoints.get(cp)) if c]
                best = max(RESULTS.index(c.result) for c in mine)
                assert RESULTS.index(m.checkpoints[cp].result) == best
                assert m.checkpoints[cp].tries == max(c.tries for c in mine)
            assert m.at == max(ca.at, cb.at)  # the latest position wins
