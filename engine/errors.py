"""Errors the engine raises for bad input, each carrying one user-facing line.

The CLI prints ``linreg-tui: <message>`` on stderr and exits 2; the app shows
the message inline. Anything else escaping the engine is a bug.
"""


class EngineError(ValueError):
    """Bad input the learner can fix; ``str(err)`` is the message to show."""


class DataError(EngineError):
    """A data set or CSV file that cannot be used (missing, malformed, too small)."""


class ConfigError(EngineError):
    """A run setting out of range or unknown (lr <= 0, batch size 0, bad choice)."""


class DeviceError(EngineError):
    """A device that was asked for but is not available (``--device cuda`` without CUDA)."""


def unknown_choice(what: str, value: object, valid: list[str] | tuple[str, ...]) -> ConfigError:
    """The error for a value outside a fixed set, listing the valid ones."""
    return ConfigError(f"unknown {what} {value!r}; choose one of: {', '.join(valid)}")
