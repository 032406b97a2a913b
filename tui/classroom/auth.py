"""Who may log in: learner ids, the class token, and the roster.

A learner id is 1–32 characters of letters, digits and ``._-`` starting with a letter or
digit (so it is a safe folder name and never ``.server``). Without a roster any valid id
logs in with the class token. With a roster, only listed learners log in, each with their
own secret: a line ``user scrypt$N$r$p$SALT$HASH`` (made by ``linreg-tui class passwd``)
and/or a line ``user ssh-ed25519 AAAA… [comment]`` (any OpenSSH public key type).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

USER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
SCRYPT = (2**14, 8, 1)  # N, r, p: ~16 MiB and ~50 ms per check


class RosterError(ValueError):
    """A roster line that cannot be read (the message names the line)."""


def valid_user(name: str) -> bool:
    """True for a well-formed learner id."""
    return USER_RE.fullmatch(name) is not None


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$SALT$HASH`` (base64) for a roster line."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    n, r, p = SCRYPT
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a ``hash_password`` string (constant-time compare)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(base64.b64decode(digest)), maxmem=256 * 1024 * 1024,
        )  # fmt: skip
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def read_token(path: Path) -> str:
    """The class token in ``path``; a missing file gets a fresh token (mode 0600)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(12)
        path.touch(mode=0o600)
        path.write_text(token + "\n", encoding="ascii")
        return token
    token = path.read_text(encoding="utf-8").strip()
    if len(token) < 8:
        raise ValueError(f"the token in {path} is shorter than 8 characters")
    return token


@dataclass
class Roster:
    """Learners allowed in, with their password hashes and public keys (OpenSSH text)."""

    passwords: dict[str, str] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)

    @property
    def users(self) -> set[str]:
        return set(self.passwords) | set(self.keys)

    @classmethod
    def parse(cls, text: str, source: str = "roster") -> Roster:
        roster = cls()
        for number, line in enumerate(text.splitlines(), 1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if len(words) < 2 or not valid_user(words[0]):
                raise RosterError(f"{source}:{number}: expected 'user secret' with a valid id")
            user, secret = words[0], words[1]
            if secret.startswith("scrypt$"):
                roster.passwords[user] = secret
            elif secret.startswith(("ssh-", "ecdsa-", "sk-")) and len(words) >= 3:
                roster.keys.setdefault(user, []).append(f"{secret} {words[2]}")
            else:
                raise RosterError(f"{source}:{number}: neither an scrypt hash nor a public key")
        return roster


def load_roster(path: Path) -> Roster:
    return Roster.parse(path.read_text(encoding="utf-8"), str(path))


class RosterFile:
    """The roster in ``path``, read again when the file changes, so a teacher can add or
    remove a learner while the class runs. A change is seen at the next login (one ``stat``
    each). A file that cannot be read or parsed keeps the roster read before; ``report``
    gets one line per reload or failure (the teacher's log)."""

    def __init__(self, path: Path, report: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.report: Callable[[str], None] = report or (lambda line: None)
        self._stamp = _stamp(path)
        self._roster = load_roster(path)  # at start a bad roster is an error, not a warning

    def current(self) -> Roster:
        """The roster as the file says now (or as it last said, if it cannot be read)."""
        stamp = _stamp(self.path)
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._roster = load_roster(self.path)
            except (OSError, UnicodeDecodeError, RosterError) as err:
                self.report(f"roster {self.path} not re-read, the previous one stays: {err}")
            else:
                self.report(f"roster {self.path} re-read: {len(self._roster.users)} learners")
        return self._roster


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file is edited or replaced (None: it is gone)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def token_matches(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode(), token.encode())
