"""Errors the engine raises for bad input, each carrying one user-facing line.

The CLI prints ``linreg-tui: <message>`` on stderr and exits 2; the app shows
the message inline. Anything else escaping the engine is a bug.

An error may carry a message *key*: ``ConfigError("batch.too_large", size=9, n=3)``
formats the English template ``MESSAGES["batch.too_large"]`` with the parameters,
so ``str(err)`` is the English line, and keeps ``err.key`` and ``err.params`` so a
UI can render the same error in another language from its own template of that
key (the app's Chinese templates are ``error.<key>`` in ``tui/strings/errors.toml``).
An error built from a plain sentence has ``key = None``: it is shown as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# English templates, by key; fields are str.format fields filled from the error's params.
MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "choice.unknown": "unknown {what} {value!r}; choose one of: {valid}",
        "batch.too_large": "batch size {size} is larger than the data ({n} rows)",
        "data.size": "size must be a whole number of at least 2 points, got {size!r}",
        "data.not_finite": "{label} must be a finite number, got {value!r}",
        "data.noise": "noise must be at least 0, got {noise}",
        "data.size_fixed": "size applies only to synthetic and stream data, not {name!r}",
        "run.stream_fixed": (
            "batch mode {batch} draws fresh points, but {name!r} is fixed "
            "data; use the 'stream' data set, or minibatch:K"
        ),
        "run.init_w_count": "--init-w needs {d} value(s), one per feature; got {got}",
    }
)


class EngineError(ValueError):
    """Bad input the learner can fix; ``str(err)`` is the (English) message to show.

    ``EngineError(key, **params)`` with a key of :data:`MESSAGES` formats that template;
    ``EngineError(sentence)`` keeps the sentence (``key`` None, no params).
    """

    key: str | None  # the message key, or None for a plain sentence
    params: Mapping[str, object]  # the template's fields

    def __init__(self, key_or_message: str, /, **params: object) -> None:
        if key_or_message in MESSAGES:
            self.key = key_or_message
            self.params = MappingProxyType(dict(params))
            message = MESSAGES[key_or_message].format(**params)
        elif params:
            raise TypeError(f"unknown engine message key {key_or_message!r}")
        else:
            self.key, self.params, message = None, MappingProxyType({}), key_or_message
        super().__init__(message)


class DataError(EngineError):
    """A data set or CSV file that cannot be used (missing, malformed, too small)."""


class ConfigError(EngineError):
    """A run setting out of range or unknown (lr <= 0, batch size 0, bad choice)."""


class DeviceError(EngineError):
    """A device that was asked for but is not available (``--device cuda`` without CUDA)."""


class Cancelled(Exception):
    """The caller's cancel check said stop (the app is closing, the learner left).

    Not an EngineError: nothing was wrong with the input. Long loops take an optional
    ``cancelled: Callable[[], bool]`` and raise this once it returns True; the Run keeps
    every update done before that."""


def unknown_choice(what: str, value: object, valid: list[str] | tuple[str, ...]) -> ConfigError:
    """The error for a value outside a fixed set, listing the valid ones."""
    return ConfigError("choice.unknown", what=what, value=value, valid=", ".join(valid))
