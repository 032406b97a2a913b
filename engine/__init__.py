"""The math of linreg-tui: data, model, losses, gradients, optimizers, runs.

Pure computation: no Textual import, no printing, and torch is imported
lazily (on the first call that needs it), so the app can paint its first
screen before torch has loaded.

This package is the engine's public surface: code outside ``engine/`` imports
``from linreg_tui.engine import Run, RunConfig, …`` and never a submodule. Importing
the package costs nothing: each name in ``__all__`` is looked up in ``_WHERE`` and its
defining submodule imported on first access (PEP 562 ``__getattr__``); type checkers
read the real imports under ``TYPE_CHECKING``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analysis import (
        HEALTH_WINDOW,
        StabilityReport,
        Surface,
        closed_form,
        condition_number,
        diverged,
        divergence_limit,
        first_diverged,
        health,
        loss_scan_1d,
        loss_surface,
        max_stable_lr,
        stability_report,
        stable_lr_applies,
    )
    from .axes import (
        AXES,
        COUNTED_AXES,
        MAX_RUNS,
        MIN_RUNS,
        check_axis,
        coordinate,
        coordinates,
        updates_at,
    )
    from .branch import BRANCHABLE, branch_run
    from .catalog import KINDS as DATASET_KINDS
    from .catalog import (
        DatasetInfo,
        dataset_info,
        datasets_as_json,
        datasets_table,
        list_datasets,
        load_dataset,
    )
    from .codegen import STYLES as CODE_STYLES
    from .codegen import program, updates_per_epoch
    from .compare import Comparison, Lockstep, Start, from_start, same_start, start_of, start_runs
    from .config import (
        BATCH_MODES,
        DEVICES,
        DTYPES,
        GRAD_METHODS,
        MISTAKES,
        OPTIMIZERS,
        SCHEDULES,
        SEED_MAX,
        BatchSpec,
        RunConfig,
        ScheduleSpec,
        check_seed,
        parse_batch,
        parse_schedule,
    )
    from .config import LOSSES as LOSS_NAMES
    from .csv_loader import LoadCancelled, load_csv
    from .data import Standardizer, parse_columns
    from .dataset import Dataset, StreamSpec
    from .errors import MESSAGES as ERROR_MESSAGES
    from .errors import Cancelled, ConfigError, DataError, DeviceError, EngineError
    from .fastforward_jit import warm as warm_fast_forward
    from .history import History
    from .losses import LOSSES, Loss, get_loss, loss_scale
    from .memory import available_bytes, check_bytes, check_history, check_rows, human_bytes
    from .metrics import METRICS, holdout_split, metrics_per_update
    from .metrics import metrics as fit_metrics
    from .noise import BatchNoise, gradient_noise
    from .optimizers import RULE_NAMES, AffineForm, Equation, UpdateRecord, UpdateRule, make_rule
    from .run import Run, RunStopped
    from .run_readout import BatchPlan, HistoryRow
    from .schedules import describe as describe_schedule
    from .schedules import lr_at, lr_series
    from .share import DataSource as ShareSource
    from .share import Shared, file_digest
    from .share import decode as decode_share
    from .share import encode as encode_share
    from .step import PER_SAMPLE_LIMIT, Step
    from .stopping import RULES as STOP_RULES
    from .stopping import Stopped, Stopper, StopRule, parse_stop
    from .summary import RunSummary

# public name -> (submodule, the name there)
_WHERE: dict[str, tuple[str, str]] = {
    "StabilityReport": ("analysis", "StabilityReport"),
    "HEALTH_WINDOW": ("analysis", "HEALTH_WINDOW"),
    "Surface": ("analysis", "Surface"),
    "closed_form": ("analysis", "closed_form"),
    "warm_fast_forward": ("fastforward_jit", "warm"),
    "condition_number": ("analysis", "condition_number"),
    "stability_report": ("analysis", "stability_report"),
    "diverged": ("analysis", "diverged"),
    "divergence_limit": ("analysis", "divergence_limit"),
    "first_diverged": ("analysis", "first_diverged"),
    "health": ("analysis", "health"),
    "loss_scan_1d": ("analysis", "loss_scan_1d"),
    "loss_surface": ("analysis", "loss_surface"),
    "max_stable_lr": ("analysis", "max_stable_lr"),
    "stable_lr_applies": ("analysis", "stable_lr_applies"),
    "AXES": ("axes", "AXES"),
    "COUNTED_AXES": ("axes", "COUNTED_AXES"),
    "MAX_RUNS": ("axes", "MAX_RUNS"),
    "MIN_RUNS": ("axes", "MIN_RUNS"),
    "check_axis": ("axes", "check_axis"),
    "coordinate": ("axes", "coordinate"),
    "coordinates": ("axes", "coordinates"),
    "updates_at": ("axes", "updates_at"),
    "BRANCHABLE": ("branch", "BRANCHABLE"),
    "branch_run": ("branch", "branch_run"),
    "DATASET_KINDS": ("catalog", "KINDS"),
    "DatasetInfo": ("catalog", "DatasetInfo"),
    "dataset_info": ("catalog", "dataset_info"),
    "datasets_as_json": ("catalog", "datasets_as_json"),
    "datasets_table": ("catalog", "datasets_table"),
    "list_datasets": ("catalog", "list_datasets"),
    "load_dataset": ("catalog", "load_dataset"),
    "CODE_STYLES": ("codegen", "STYLES"),
    "program": ("codegen", "program"),
    "updates_per_epoch": ("codegen", "updates_per_epoch"),
    "Comparison": ("compare", "Comparison"),
    "Lockstep": ("compare", "Lockstep"),
    "Start": ("compare", "Start"),
    "from_start": ("compare", "from_start"),
    "same_start": ("compare", "same_start"),
    "start_of": ("compare", "start_of"),
    "start_runs": ("compare", "start_runs"),
    "BATCH_MODES": ("config", "BATCH_MODES"),
    "BatchSpec": ("config", "BatchSpec"),
    "DEVICES": ("config", "DEVICES"),
    "DTYPES": ("config", "DTYPES"),
    "GRAD_METHODS": ("config", "GRAD_METHODS"),
    "LOSS_NAMES": ("config", "LOSSES"),
    "MISTAKES": ("config", "MISTAKES"),
    "OPTIMIZERS": ("config", "OPTIMIZERS"),
    "RunConfig": ("config", "RunConfig"),
    "SCHEDULES": ("config", "SCHEDULES"),
    "SEED_MAX": ("config", "SEED_MAX"),
    "ScheduleSpec": ("config", "ScheduleSpec"),
    "check_seed": ("config", "check_seed"),
    "parse_batch": ("config", "parse_batch"),
    "parse_schedule": ("config", "parse_schedule"),
    "LoadCancelled": ("csv_loader", "LoadCancelled"),
    "load_csv": ("csv_loader", "load_csv"),
    "Standardizer": ("data", "Standardizer"),
    "parse_columns": ("data", "parse_columns"),
    "Dataset": ("dataset", "Dataset"),
    "StreamSpec": ("dataset", "StreamSpec"),
    "Cancelled": ("errors", "Cancelled"),
    "ConfigError": ("errors", "ConfigError"),
    "DataError": ("errors", "DataError"),
    "DeviceError": ("errors", "DeviceError"),
    "ERROR_MESSAGES": ("errors", "MESSAGES"),
    "EngineError": ("errors", "EngineError"),
    "History": ("history", "History"),
    "LOSSES": ("losses", "LOSSES"),
    "Loss": ("losses", "Loss"),
    "get_loss": ("losses", "get_loss"),
    "loss_scale": ("losses", "loss_scale"),
    "available_bytes": ("memory", "available_bytes"),
    "check_bytes": ("memory", "check_bytes"),
    "check_history": ("memory", "check_history"),
    "check_rows": ("memory", "check_rows"),
    "human_bytes": ("memory", "human_bytes"),
    "METRICS": ("metrics", "METRICS"),
    "fit_metrics": ("metrics", "metrics"),
    "holdout_split": ("metrics", "holdout_split"),
    "metrics_per_update": ("metrics", "metrics_per_update"),
    "BatchNoise": ("noise", "BatchNoise"),
    "gradient_noise": ("noise", "gradient_noise"),
    "AffineForm": ("optimizers", "AffineForm"),
    "Equation": ("optimizers", "Equation"),
    "RULE_NAMES": ("optimizers", "RULE_NAMES"),
    "UpdateRecord": ("optimizers", "UpdateRecord"),
    "UpdateRule": ("optimizers", "UpdateRule"),
    "make_rule": ("optimizers", "make_rule"),
    "Run": ("run", "Run"),
    "RunStopped": ("run", "RunStopped"),
    "BatchPlan": ("run_readout", "BatchPlan"),
    "HistoryRow": ("run_readout", "HistoryRow"),
    "describe_schedule": ("schedules", "describe"),
    "lr_at": ("schedules", "lr_at"),
    "lr_series": ("schedules", "lr_series"),
    "ShareSource": ("share", "DataSource"),
    "Shared": ("share", "Shared"),
    "decode_share": ("share", "decode"),
    "encode_share": ("share", "encode"),
    "file_digest": ("share", "file_digest"),
    "PER_SAMPLE_LIMIT": ("step", "PER_SAMPLE_LIMIT"),
    "Step": ("step", "Step"),
    "STOP_RULES": ("stopping", "RULES"),
    "StopRule": ("stopping", "StopRule"),
    "Stopped": ("stopping", "Stopped"),
    "Stopper": ("stopping", "Stopper"),
    "parse_stop": ("stopping", "parse_stop"),
    "RunSummary": ("summary", "RunSummary"),
}

__all__ = [
    "AXES",
    "AffineForm",
    "BATCH_MODES",
    "BRANCHABLE",
    "BatchNoise",
    "BatchPlan",
    "BatchSpec",
    "CODE_STYLES",
    "COUNTED_AXES",
    "Cancelled",
    "Comparison",
    "ConfigError",
    "DATASET_KINDS",
    "DEVICES",
    "DTYPES",
    "DataError",
    "Dataset",
    "DatasetInfo",
    "DeviceError",
    "ERROR_MESSAGES",
    "EngineError",
    "Equation",
    "GRAD_METHODS",
    "HEALTH_WINDOW",
    "History",
    "HistoryRow",
    "LOSSES",
    "LOSS_NAMES",
    "LoadCancelled",
    "Lockstep",
    "Loss",
    "MAX_RUNS",
    "METRICS",
    "MIN_RUNS",
    "MISTAKES",
    "OPTIMIZERS",
    "PER_SAMPLE_LIMIT",
    "RULE_NAMES",
    "Run",
    "RunConfig",
    "RunStopped",
    "RunSummary",
    "SCHEDULES",
    "SEED_MAX",
    "STOP_RULES",
    "ScheduleSpec",
    "ShareSource",
    "Shared",
    "StabilityReport",
    "Standardizer",
    "Start",
    "Step",
    "StopRule",
    "Stopped",
    "Stopper",
    "StreamSpec",
    "Surface",
    "UpdateRecord",
    "UpdateRule",
    "available_bytes",
    "branch_run",
    "check_axis",
    "check_bytes",
    "check_history",
    "check_rows",
    "check_seed",
    "closed_form",
    "warm_fast_forward",
    "condition_number",
    "coordinate",
    "coordinates",
    "dataset_info",
    "datasets_as_json",
    "datasets_table",
    "decode_share",
    "describe_schedule",
    "diverged",
    "divergence_limit",
    "encode_share",
    "file_digest",
    "first_diverged",
    "fit_metrics",
    "from_start",
    "get_loss",
    "gradient_noise",
    "health",
    "holdout_split",
    "human_bytes",
    "list_datasets",
    "load_csv",
    "load_dataset",
    "loss_scale",
    "loss_scan_1d",
    "loss_surface",
    "lr_at",
    "lr_series",
    "make_rule",
    "max_stable_lr",
    "metrics_per_update",
    "parse_batch",
    "parse_columns",
    "parse_schedule",
    "parse_stop",
    "program",
    "same_start",
    "stability_report",
    "stable_lr_applies",
    "start_of",
    "start_runs",
    "updates_at",
    "updates_per_epoch",
]

if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """Import the submodule that defines ``name`` and cache the value here (PEP 562)."""
        try:
            module, attr = _WHERE[name]
        except KeyError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        value = getattr(import_module(f"{__name__}.{module}"), attr)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
