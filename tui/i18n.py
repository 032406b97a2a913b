"""Every UI string in English and Simplified Chinese, looked up by key.

Strings live in ``tui/strings/*.toml`` (one file per part of the app), each
with an ``[en]`` and a ``[zh]`` table; dotted keys nest, so ``home.title``
may be written ``[en.home] title = "…"`` or ``[en] home.title = "…"``. All
files are merged into one catalogue, read once.

    t("home.loading", "zh")            → "正在加载计算引擎…"
    t("code.saved", "en", path=p)     → "✓ Saved to …"   (str.format fields)

The engine's error messages are keyed too (``engine/errors.py``): their English
templates come from the engine as ``error.<key>``, their Chinese ones from
``strings/errors.toml``; :func:`error_text` renders an engine error in either language.

A key missing in one language falls back to English, then to the key itself,
so a gap shows up on screen instead of crashing; ``tests/tui/test_i18n.py``
checks that every key exists in both languages and that no two files define
the same key. Footer labels follow the convention ``key.<action>``:
:func:`localize_bindings` relabels a node's bindings with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the tomli backport has the same API
    import tomli as tomllib  # type: ignore[no-redef]

if TYPE_CHECKING:
    from textual.dom import DOMNode

LANGS = ("en", "zh")
ERROR_PREFIX = "error."  # catalogue keys of the engine's error messages
STRINGS_DIR = Path(__file__).parent / "strings"
FIRST_FILE = "app.toml"  # Home's strings: read alone first (see _first_file)
FIRST_ONLY = ("key.", "home.")  # keys defined nowhere but FIRST_FILE (a test checks)


@dataclass(frozen=True)
class Catalogue:
    """Merged strings: ``texts[lang][key]``, plus where each key came from."""

    texts: dict[str, dict[str, str]]
    sources: dict[str, str] = field(default_factory=dict)  # key → file name (first seen)
    duplicates: list[str] = field(default_factory=list)  # "key: a.toml, b.toml"
    problems: list[str] = field(default_factory=list)  # files that could not be read


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """{"home": {"title": "x"}} → {"home.title": "x"}."""
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def load_catalogue(directory: Path = STRINGS_DIR) -> Catalogue:
    """Read and merge every ``*.toml`` in ``directory`` (sorted by name; later files lose).

    The app's own folder also gets the engine's English error templates (``error.<key>``).
    """
    texts: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    sources: dict[str, str] = {}
    if directory == STRINGS_DIR:
        from linreg_tui.engine import ERROR_MESSAGES

        for key, template in ERROR_MESSAGES.items():
            texts["en"][f"{ERROR_PREFIX}{key}"] = template
            sources[f"{ERROR_PREFIX}{key}"] = "engine/errors.py"
    duplicates: list[str] = []
    problems: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            problems.append(f"{path.name}: {err}")
            continue
        for lang in LANGS:
            for key, text in _flatten(data.get(lang, {})).items():
                if key in texts[lang]:
                    if lang == "en":
                        duplicates.append(f"{key}: {sources.get(key)}, {path.name}")
                    continue
                texts[lang][key] = text
                sources.setdefault(key, path.name)
    return Catalogue(texts, sources, duplicates, problems)


_read: dict[str, bool] = {"whole": False}  # whether catalogue() has read every file


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The app's catalogue, read on first use."""
    _read["whole"] = True
    return load_catalogue()


@lru_cache(maxsize=1)
def _first_file() -> dict[str, dict[str, str]]:
    """``FIRST_FILE`` alone, read before the whole catalogue so Home paints sooner.

    Its keys are the catalogue's: it sorts first and later files lose, and no file may
    define an ``error.`` key (those come from the engine first), so a key found here has
    the same text the whole catalogue would give it. Unreadable: empty (the catalogue
    reports why)."""
    try:
        data = tomllib.loads((STRINGS_DIR / FIRST_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    return {lang: _flatten(data.get(lang, {})) for lang in LANGS}


def _lookup(key: str, lang: str) -> str | None:
    """The text of ``key`` in ``lang`` (no fallback): from ``FIRST_FILE`` while the whole
    catalogue is unread and the key is there (or could be nowhere else: ``FIRST_ONLY``),
    else from the catalogue."""
    if not _read["whole"] and not key.startswith(ERROR_PREFIX):
        text = _first_file().get(lang, {}).get(key)
        if text is not None or key.startswith(FIRST_ONLY):
            return text
    return catalogue().texts.get(lang, {}).get(key)


def has(key: str, lang: str = "en") -> bool:
    """Whether ``key`` is defined in ``lang``."""
    return _lookup(key, lang) is not None


def t(key: str, lang: str, /, **fmt: object) -> str:
    """The text of ``key`` in ``lang`` ("en" | "zh"), with ``fmt`` substituted."""
    text = _lookup(key, lang) or _lookup(key, "en") or key
    if not fmt:
        return text
    try:
        return text.format(**fmt)
    except (KeyError, IndexError, ValueError):  # a translation with a wrong field: show it raw
        return text


def error_text(err: BaseException, lang: str) -> str:
    """The one-line message of ``err`` in ``lang``.

    An engine error with a message key is rendered from the ``error.<key>`` template of
    ``lang`` with the error's parameters; anything else (a keyless engine error, an
    OSError, a key without a template) is ``str(err)``, the English line. The result is
    plain text: escape it before a widget renders it as markup.
    """
    key = getattr(err, "key", None)
    params = getattr(err, "params", None)
    name = f"{ERROR_PREFIX}{key}"
    if lang == "en" or not isinstance(key, str) or params is None or not has(name, lang):
        return str(err)
    try:
        return catalogue().texts[lang][name].format(**params)
    except (KeyError, IndexError, ValueError):  # a template with a wrong field: stay English
        return str(err)


def other(lang: str) -> str:
    """The other language: "en" ↔ "zh"."""
    return "en" if lang == "zh" else "zh"


def localize_bindings(node: DOMNode, lang: str) -> None:
    """Relabel ``node``'s key bindings with ``t("key.<action>", lang)`` where that key exists.

    Bindings are frozen dataclasses held in the node's BindingsMap; each is
    replaced by a copy with the new description. Call ``refresh_bindings()``
    (done here) so the footer redraws.
    """
    from dataclasses import replace

    bindings = node._bindings.key_to_bindings  # noqa: SLF001 - Textual keeps no public setter
    for key, items in bindings.items():
        new = []
        for binding in items:
            action = binding.action.removeprefix("app.").removeprefix("screen.")
            name = f"key.{action}"
            new.append(replace(binding, description=t(name, lang)) if has(name) else binding)
        bindings[key] = new
    node.refresh_bindings()
