"""The session: the engine clock wrapped for the app, exact stepping back, the play loop,
frozen snapshots."""

from __future__ import annotations

import numpy as np
import pytest

from linreg_tui.engine.config import BatchSpec, RunConfig
from linreg_tui.tui.choices import DatasetChoice, RunChoice
from linreg_tui.tui.screens.compare import compare_choices
from linreg_tui.tui.screens.playground import t4_choice
from linreg_tui.tui.session import Session, SessionFrame
from linreg_tui.tui.snapshot import trace_index


@pytest.fixture(scope="module")
def t4() -> Session:
    session = Session([t4_choice()])
    session.build()
    return session


@pytest.fixture
def race() -> Session:
    session = Session(compare_choices())
    session.build()
    return session


def test_t4_first_updates_match_the_tutorial_log(t4: Session) -> None:
    t4.reset()
    grads = []
    for _ in range(3):
        t4.step()
        grads.append(t4.snapshot().runs[0].step.grad[0])
    assert grads == pytest.approx([-2.0, -7.84, -16.2288])
    assert t4.snapshot().runs[0].w[0] == pytest.approx(1.260688)


def test_step_back_restores_the_exact_state(t4: Session) -> None:
    t4.reset()
    t4.step(5)
    before = t4.snapshot().runs[0]
    t4.step()
    t4.back()
    after = t4.snapshot().runs[0]
    assert after.updates == 5
    assert np.array_equal(after.theta, before.theta)
    assert np.array_equal(after.step.grad, before.step.grad)
    assert after.loss == before.loss


def test_lockstep_by_updates_moves_every_run_once_per_tick(race: Session) -> None:
    race.step(7)
    assert [r.updates for r in race.runs] == [7, 7, 7]


def test_lockstep_by_epochs_follows_each_runs_batches(race: Session) -> None:
    race.set_alignment("epochs")
    race.step(50)  # SGD: 100 updates per epoch sets the tick, so 50 ticks = half an epoch
    full, sgd, mini = (r.updates for r in race.runs)
    assert (full, sgd, mini) == (0, 50, 12)
    race.step(50)
    assert [r.updates for r in race.runs] == [1, 100, 25]
    race.back()
    assert [r.updates for r in race.runs] == [0, 99, 24]


def test_lockstep_by_samples(race: Session) -> None:
    race.set_alignment("samples")
    race.step(10)
    assert [r.samples_seen for r in race.runs] == [0, 10, 8]


def test_seconds_alignment_steps_the_run_with_least_compute(race: Session) -> None:
    race.set_alignment("seconds")
    assert race.step(30) == 30
    assert sum(r.updates for r in race.runs) == 30
    assert race.snapshot().position == min(r.trace_x[-1] for r in race.snapshot().runs)


def test_runs_ahead_wait_for_the_clock(race: Session) -> None:
    race.runs[1].run_until(update=20)  # e.g. after a fast-forward of one run
    race.set_alignment("updates")  # the clock goes to the slowest run
    assert race.position == 0
    race.step()
    assert [r.updates for r in race.runs] == [1, 20, 1]


def test_fast_forward_moves_every_run_by_epochs(race: Session) -> None:
    race.fast_forward(2)
    assert [r.updates for r in race.runs] == [2, 200, 50]
    assert race.position == 2  # the clock follows the slowest run


def test_replace_keeps_the_old_run_when_the_new_one_is_invalid(t4: Session) -> None:
    from linreg_tui.engine.errors import EngineError

    bad = RunChoice(DatasetChoice("hours"), RunConfig(batch=BatchSpec("minibatch", 9)))
    old = t4.runs[0]
    with pytest.raises(EngineError):
        t4.replace(0, bad)
    assert t4.runs[0] is old


def test_snapshot_is_a_copy(t4: Session) -> None:
    t4.reset()
    t4.step(2)
    snap = t4.snapshot().runs[0]
    t4.step(4)
    assert snap.updates == 2
    assert len(snap.trace_loss) == 3
    assert snap.trace_loss[0] == pytest.approx(t4.runs[0].history.loss0)


def test_trace_index_keeps_a_stable_power_of_two_stride() -> None:
    small = trace_index(10, limit=16)
    assert list(small) == list(range(11))
    big = trace_index(100, limit=16)
    assert big[0] == 0 and big[-1] == 100 and len(big) <= 17
    stride = big[1] - big[0]
    assert stride & (stride - 1) == 0  # a power of two
    assert set(trace_index(101, limit=16)[:-1]) == set(big[:-1])  # same points one update later


def test_snapshot_reports_divergence_and_steps_stop_there() -> None:
    choice = RunChoice(DatasetChoice("hours"), t4_choice().config.with_(lr=0.3))
    session = Session([choice])
    session.build()
    done = session.step(200)
    snap = session.snapshot().runs[0]
    assert done == snap.updates < 200 and session.finished
    assert snap.status == snap.health == "diverged" and snap.diverged_at == snap.updates
    assert snap.facts.max_stable_lr == pytest.approx(2 / (2 * 14 / 3))  # 2/λmax of 2/n·Σx²


class FakeClock:
    """A clock that advances only when the play loop sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 1e-3)


def test_play_batches_updates_into_frames_at_most_max_fps(race: Session) -> None:
    clock = FakeClock()
    frames = []
    race.speed = 100
    race.play(frames.append, lambda: clock.now >= 1.0, max_fps=10, clock=clock, sleep=clock.sleep)
    assert 8 <= len(frames) <= 11  # about one frame per 1/10 s
    assert 90 <= frames[-1].runs[0].updates <= 110  # about 100 updates in one second
    assert all(b.version > a.version for a, b in zip(frames, frames[1:], strict=False))


def test_play_stops_when_every_run_has_diverged() -> None:
    choice = RunChoice(DatasetChoice("hours"), t4_choice().config.with_(lr=0.3))
    session = Session([choice], speed=1000)
    session.build()
    clock = FakeClock()
    frames = []
    session.play(frames.append, lambda: clock.now > 60, clock=clock, sleep=clock.sleep)
    assert clock.now < 60 and session.finished
    assert frames[-1].runs[0].status == "diverged"


def test_session_frames_replace_stale_ones_but_not_notes(t4: Session) -> None:
    snap = t4.snapshot()
    assert SessionFrame(snap).can_replace(SessionFrame(snap))
    assert not SessionFrame(snap, "note").can_replace(SessionFrame(snap))


def test_compare_runs_share_the_first_runs_start() -> None:
    choices = compare_choices()
    choices[1] = RunChoice(choices[1].data, choices[1].config.with_(init_w=(5.0,)), "sgd")
    session = Session(choices)
    session.build()
    assert {tuple(r.params()[0]) for r in session.runs} == {(0.0,)}
    assert session.choices[1].config.init_w == (5.0,)  # what was asked stays visible
    session.step(3)
    session.replace(0, RunChoice(choices[0].data, choices[0].config.with_(init_w=(1.0,))))
    assert [tuple(r.params()[0]) for r in session.runs] == [(1.0,)] * 3
    assert [r.updates for r in session.runs] == [0, 0, 0]


def test_add_catches_up_and_remove_keeps_the_clock(race: Session) -> None:
    race.step(4)
    version = race.version
    race.add(race.with_config(0, optimizer="momentum"))
    assert [r.updates for r in race.runs] == [4, 4, 4, 4] and race.version > version
    race.remove(1)
    assert len(race.runs) == len(race.choices) == len(race.facts) == 3
    assert [c.label for c in race.choices] == ["full batch", "mini-batch 4", "full batch"]
    race.back()
    assert [r.updates for r in race.runs] == [3, 3, 3]


def test_alignment_set_before_build_holds() -> None:
    session = Session(compare_choices(), alignment="epochs")
    session.alignment = "samples"
    session.build()
    assert session.snapshot().alignment == "samples"
    session.step(10)
    assert [r.samples_seen for r in session.runs] == [0, 10, 8]
