"""Confine a learner's process to its own folder: Landlock where the kernel has it, limits.

Landlock (Linux ≥ 5.13) is reached through three system calls by number with ``ctypes``,
so no dependency is needed. After :func:`landlock_confine` the process (and anything it
starts) may read the Python installation, the app's own files and the system folders, may
read and write its learner folder, and nothing else: not another learner's folder, not the
host key, not the token. Files that were open before (the pty) stay usable.

Where Landlock is missing, :func:`landlock_confine` returns ``False`` and the app's own
check (:mod:`linreg_tui.tui.confine`, switched on by ``$LINREG_TUI_CONFINE``) refuses paths
outside the folder in its dialogs instead; ``linreg-tui serve`` logs which mode is active.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys
from collections.abc import Iterable
from pathlib import Path

# System call numbers: the same on every architecture (asm-generic), x86_64 included.
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

# Filesystem access rights (linux/landlock.h).
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 16, 32, 64, 128
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 256, 512, 1024, 2048, 4096
REFER, TRUNCATE = 8192, 16384  # ABI 2, ABI 3
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE  # the only rights a file rule takes
READ = EXECUTE | READ_FILE | READ_DIR
SYSTEM_READ = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys")


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]  # the kernel accepts this short form


class _PathBeneath(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)): 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when it has none (or it is switched off)."""
    if not sys.platform.startswith("linux"):
        return 0
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    return max(0, int(version))


def _handled(abi: int) -> int:
    """Every filesystem right this ABI knows (so each is denied unless a rule grants it)."""
    rights = (MAKE_SYM << 1) - 1  # ABI 1: EXECUTE … MAKE_SYM
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    return rights


def read_paths(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Folders a session must read: the system, Python and its packages, the app's files."""
    import linreg_tui.tui as tui_pkg

    found = [Path(p) for p in SYSTEM_READ]
    found += [Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)]
    here = os.getcwd()  # `python -m` puts the folder it started in on sys.path: not needed
    found += [Path(p) for p in sys.path if p and p != here]
    found.append(Path(tui_pkg.__file__).resolve().parent.parent)  # the app's source tree
    found += [Path(p) for p in extra]
    return [p for p in found if p.exists()]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def exposed(secrets: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(secret, readable folder) for each secret a confined session could still read, or
    whose folder a session needs (so it would be left out and the app could break)."""
    found = []
    for secret in secrets:
        for path in read_paths():
            if _inside(secret.resolve(), path.resolve()):
                found.append((secret, path))
                break
    return found


def landlock_confine(
    folder: Path, secret_root: Path, read_extra: Iterable[str | Path] = ()
) -> bool:
    """Allow reading the system and the app, reading and writing ``folder`` (and /dev),
    nothing else. A read path that contains ``secret_root`` (the data root, which holds every
    learner's folder and the server's secrets) is left out. True once confined; False when
    the kernel has no Landlock (nothing changed)."""
    abi = landlock_abi()
    if abi < 1:
        return False
    handled = _handled(abi)
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    attr = _RulesetAttr(handled)
    ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if ruleset < 0:
        return False
    try:
        secret = secret_root.resolve()
        for path in read_paths(read_extra):
            resolved = path.resolve()
            if not (_inside(secret, resolved) or _inside(resolved, secret)):
                _allow(libc, ruleset, path, READ & handled)
        _allow(libc, ruleset, Path("/dev"), (READ | WRITE_FILE) & handled)
        _allow(libc, ruleset, folder, handled)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        if libc.syscall(SYS_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return True


def _allow(libc: ctypes.CDLL, ruleset: int, path: Path, rights: int) -> None:
    """Add one path-beneath rule (a file takes only file rights)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not path.is_dir():
            rights &= FILE_RIGHTS
        rule = _PathBeneath(rights, fd)
        if libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule({path})")
    finally:
        os.close(fd)


def set_limits(cpu_seconds: int, memory_bytes: int) -> None:
    """Per-session limits: CPU time (SIGXCPU, then SIGKILL a second later past the soft
    limit) and address space. 0 leaves a limit as it is."""
    if cpu_seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
