"""A learner's session cannot reach another learner's folder, the host key or the token:
by Landlock where the kernel has it, else by the app's own path check."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from linreg_tui.tui.classroom.sandbox import landlock_abi
from linreg_tui.tui.confine import ENV, confined

PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from linreg_tui.tui.classroom.sandbox import landlock_confine
    root, mine, token = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    assert landlock_confine(mine, root)
    (mine / "export.csv").write_text("w,b\\n")  # its own folder: read and write
    assert (mine / "export.csv").read_text() == "w,b\\n"
    import linreg_tui.tui.app  # the app's own files stay readable
    for target in (root / "bob" / "progress.json", root / ".server" / "key", token):
        try:
            target.read_text()
        except PermissionError:
            print("denied", target.name)
    try:
        (root / "bob" / "planted.py").write_text("x")
    except PermissionError:
        print("denied write")
    """
)


@pytest.mark.skipif(landlock_abi() < 1, reason="this kernel has no Landlock")
def test_landlock_keeps_a_learner_in_their_folder(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for name in ("alice", "bob", ".server"):
        (root / name).mkdir(parents=True)
    (root / "bob" / "progress.json").write_text("{}")
    (root / ".server" / "key").write_text("secret")
    token = tmp_path / "token"
    token.write_text("class-token")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), str(root / "alice"), str(token)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:4] == [
        "denied progress.json", "denied key", "denied token", "denied write",
    ]  # fmt: skip
    assert (root / "alice" / "export.csv").exists()
    assert not (root / "bob" / "planted.py").exists()


def test_the_apps_own_check_refuses_paths_outside_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, theirs = tmp_path / "alice", tmp_path / "bob"
    mine.mkdir()
    theirs.mkdir()
    (mine / "link").symlink_to(theirs)
    monkeypatch.setenv(ENV, str(mine))
    monkeypatch.chdir(mine)
    assert confined("fit.csv") == "fit.csv"  # relative: in the learner's folder
    assert confined(str(mine / "sub" / "x.py")) == str(mine / "sub" / "x.py")
    for outside in ("../bob/progress.json", str(theirs / "x"), "link/x", "/etc/passwd"):
        with pytest.raises(PermissionError, match="outside your folder"):
            confined(outside)


def test_without_a_classroom_every_path_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert confined("/etc/hosts") == "/etc/hosts"


CAP_PROBE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from linreg_tui.tui.classroom.child import read_extra
    from linreg_tui.tui.classroom.sandbox import landlock_confine
    root, mine, cap = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    assert landlock_confine(mine, root, read_extra({"frame_cap_file": cap}))
    print(open(cap).read().strip(), flush=True)
    sys.stdin.readline()  # the server replaces the file meanwhile
    print(open(cap).read().strip(), flush=True)
    """
)


@pytest.mark.skipif(landlock_abi() < 1, reason="this kernel has no Landlock")
def test_a_confined_session_still_reads_the_frame_cap_after_the_server_replaces_it(
    tmp_path: Path,
) -> None:
    root, runtime = tmp_path / "root", tmp_path / "runtime"
    (root / "alice").mkdir(parents=True)
    runtime.mkdir()
    cap = runtime / "frame-cap"
    cap.write_text("15")
    probe = subprocess.Popen(
        [sys.executable, "-c", CAP_PROBE, str(root), str(root / "alice"), str(cap)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert probe.stdout is not None and probe.stdin is not None
    try:
        assert probe.stdout.readline().strip() == "15"
        (runtime / "frame-cap.tmp").write_text("3")
        os.replace(runtime / "frame-cap.tmp", cap)  # as Room.share does: a new inode
        out, err = probe.communicate("go\n", timeout=60)
    finally:
        probe.kill()
    assert out.strip() == "3", err
