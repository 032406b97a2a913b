"""The zygote: one thread when it forks, and a forked child can use torch with two threads."""

from __future__ import annotations

from pathlib import Path

from linreg_tui.tui.classroom.rooms import Zygote, frame_cap


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads line")


def test_the_zygote_has_one_thread_and_its_child_runs_a_two_thread_matmul() -> None:
    zygote = Zygote(timeout=120)  # its start-up runs the matmul check (60 s timeout)
    try:
        assert _threads(zygote.pid) == 1
        zygote.check(timeout=30)  # again, now that the first child has come and gone
        assert _threads(zygote.pid) == 1
    finally:
        zygote.close()
    assert zygote.process.returncode == 0


def test_the_frame_cap_shares_the_cores_between_players() -> None:
    assert frame_cap(0, 2) == 15 and frame_cap(1, 2) == 15
    # ≈ 10 ms/s + 8 ms a frame per playing session, within 60 % of the cores
    assert [frame_cap(n, 2) for n in (10, 20, 30, 60)] == [13, 6, 3, 2]
    assert frame_cap(30, 2) == 3  # ⌊(1.2/30 − 0.010)/0.008⌋ = 3
    assert frame_cap(200, 2) == 2  # never below 2
    assert frame_cap(30, 8) == 15
