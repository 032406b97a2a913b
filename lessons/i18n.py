"""Which language to show: "en" or "zh".

Order: the ``--lang`` option, then the POSIX locale variables in their
precedence order LC_ALL, LC_MESSAGES, LANG (the first one set and non-empty
decides, as setlocale would). A locale starting with "zh" (zh_CN.UTF-8,
zh_TW, zh) gives Chinese; anything else, or nothing, gives English.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

LANGUAGES = ("en", "zh")
DEFAULT = "en"


def language_of(value: str | None) -> str | None:
    """ "en" / "zh" for a --lang value or a locale name, None when it names neither."""
    if not value:
        return None
    tag = value.strip().lower().replace("-", "_")
    if tag.startswith("zh"):
        return "zh"
    if tag.startswith("en") or tag in ("c", "posix") or tag.startswith("c."):
        return "en"
    return None


def pick_language(argv_lang: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The language for this session: --lang, else LC_ALL / LC_MESSAGES / LANG, else English.

    An unknown --lang value raises ValueError listing the valid ones; an
    unknown locale (fr_FR.UTF-8) falls back to English.
    """
    if argv_lang is not None:
        lang = argv_lang.strip().lower()
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {argv_lang!r}; choose one of: en, zh")
        return lang
    env = os.environ if env is None else env
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return language_of(value) or DEFAULT
    return DEFAULT
