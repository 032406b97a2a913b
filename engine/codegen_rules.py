"""The code templates of a generated program (see :mod:`.codegen`): the loss scale, the
learning-rate schedule, the rows' order, and per style the gradient and the update rule.

The update rules are torch.optim's, written out (``eta`` is η_t, ``g`` the gradient):

    sgd        p ← p − η·g
    momentum   v ← μ·v + g;  p ← p − η·v
    nesterov   v ← μ·v + g;  p ← p − η·(g + μ·v)
    adagrad    s ← s + g²;   p ← p − η·g/(√s + ε)
    rmsprop    s ← α·s + (1−α)·g²;  p ← p − η·g/(√s + ε)
    adam       m ← β1·m + (1−β1)·g;  s ← β2·s + (1−β2)·g²;
               p ← p − η·(m/(1−β1^(t+1))) / (√(s/(1−β2^(t+1))) + ε)

State variables are ``<state>_<parameter>`` (``v_w``, ``m_b``) with the rule's own state
names (engine.optimizers), so they read as the step panel writes them.
"""

from __future__ import annotations

from .batching import EPOCH_SEED_STRIDE
from .codegen_data import lit
from .config import RunConfig
from .losses import get_loss
from .optimizers import make_rule

STYLE_TEXT = {
    "hand": "gradients derived by hand",
    "autograd": "gradients from autograd (loss.backward())",
    "module": "nn.Linear, nn.MSELoss and a torch.optim optimizer",
}
OPTIMIZER_CONSTANTS = {  # the named constants each rule reads, and the RunConfig field
    "momentum": (("MU", "momentum"),),
    "nesterov": (("MU", "momentum"),),
    "adagrad": (("EPS", "eps"),),
    "rmsprop": (("ALPHA", "alpha"), ("EPS", "eps")),
    "adam": (("BETA1", "beta1"), ("BETA2", "beta2"), ("EPS", "eps")),
}
TORCH_OPTIMIZER = {  # the module style's torch.optim optimizer for each rule
    "sgd": "torch.optim.SGD(model.parameters(), lr=LR)",
    "momentum": "torch.optim.SGD(model.parameters(), lr=LR, momentum=MU)",
    "nesterov": "torch.optim.SGD(model.parameters(), lr=LR, momentum=MU, nesterov=True)",
    "adagrad": "torch.optim.Adagrad(model.parameters(), lr=LR, eps=EPS)",
    "rmsprop": "torch.optim.RMSprop(model.parameters(), lr=LR, alpha=ALPHA, eps=EPS)",
    "adam": "torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS)",
}


def optimizer_constants(cfg: RunConfig) -> list[str]:
    """``NAME = value`` for each constant the update rule reads."""
    values = {
        "momentum": cfg.momentum,
        "alpha": cfg.alpha,
        "eps": cfg.eps,
        "beta1": cfg.betas[0],
        "beta2": cfg.betas[1],
    }
    consts = OPTIMIZER_CONSTANTS.get(cfg.optimizer, ())
    return [f"{name} = {lit(values[field])}" for name, field in consts]


# -- batching and schedules -------------------------------------------------------------


def schedule_expr(cfg: RunConfig) -> str:
    """η_t as a Python expression in t: the closed forms of engine.schedules.lr_at."""
    s = cfg.schedule
    if s.kind == "constant":
        return "LR  # constant"
    if s.kind == "step":
        return f"LR * {lit(s.gamma)} ** (t // {s.every})  # × {s.gamma:g} every {s.every} updates"
    if s.kind == "exp":
        return f"LR * {lit(s.gamma)} ** t  # × {s.gamma:g} every update"
    return f"LR / (1 + {lit(s.gamma)} * t)  # inverse-time decay"


def order_lines(shuffle: bool) -> list[str]:
    """epoch_order(epoch): the rows of an epoch in the engine's order (engine/batching.py)."""
    if not shuffle:
        body = ['    """The rows in file order, every epoch."""', "    return torch.arange(N)"]
    else:
        body = [
            '    """A fresh shuffle per epoch, seeded by (SEED, epoch): any can be replayed."""',
            f"    seed = (SEED * {EPOCH_SEED_STRIDE} + epoch) % (2**63 - 1)",
            "    return torch.randperm(N, generator=torch.Generator().manual_seed(seed))",
        ]
    return ["def epoch_order(epoch):", *body, "", ""]


# -- gradients and update rules -----------------------------------------------------------


def state_names(optimizer: str) -> tuple[str, ...]:
    """The rule's state names (engine.optimizers): ("v",) for momentum, ("m", "s") for adam."""
    return make_rule(RunConfig(optimizer=optimizer)).slots


def state_init(optimizer: str, params: list[str]) -> list[str]:
    """The optimizer's state, zero, for each parameter (``v_w = torch.zeros_like(w)``)."""
    return [f"{s}_{p} = torch.zeros_like({p})" for p in params for s in state_names(optimizer)]


def update_rule(optimizer: str, p: str, g: str, in_place: bool) -> list[str]:
    """The update of parameter ``p`` with gradient expression ``g`` (torch.optim's formulas)."""
    state, step = {
        "sgd": ([], f"eta * {g}"),
        "momentum": ([f"v_{p} = MU * v_{p} + {g}"], f"eta * v_{p}"),
        "nesterov": ([f"v_{p} = MU * v_{p} + {g}"], f"eta * ({g} + MU * v_{p})"),
        "adagrad": ([f"s_{p} = s_{p} + {g} * {g}"], f"eta * {g} / (s_{p}.sqrt() + EPS)"),
        "rmsprop": (
            [f"s_{p} = ALPHA * s_{p} + (1 - ALPHA) * {g} * {g}"],
            f"eta * {g} / (s_{p}.sqrt() + EPS)",
        ),
        "adam": (
            [
                f"m_{p} = BETA1 * m_{p} + (1 - BETA1) * {g}",
                f"s_{p} = BETA2 * s_{p} + (1 - BETA2) * {g} * {g}",
            ],
            f"eta * (m_{p} / (1 - BETA1 ** (t + 1)))"
            f" / ((s_{p} / (1 - BETA2 ** (t + 1))).sqrt() + EPS)",
        ),
    }[optimizer]
    return [*state, f"{p} -= {step}" if in_place else f"{p} = {p} - {step}"]


def hand_body(cfg: RunConfig, params: list[str]) -> list[str]:
    """One update, gradients by hand: ∂L/∂w = 2c·Xᵀr, ∂L/∂b = 2c·Σr (or a mistake's)."""
    bias = cfg.bias
    out = [
        "c = scale(len(yb))",
        f"r = Xb @ w{' + b' if bias else ''} - yb  # residuals r = ŷ − y",
    ]
    if cfg.mistake == "overwrite-grad":
        out += [
            "for i in range(len(yb)):  # MISTAKE on purpose (T5): '=' where '+=' belongs,",
            "    g_w = 2 * c * r[i] * Xb[i]  # so only the batch's last row drives the update",
            *(["    g_b = 2 * c * r[i]"] if bias else []),
        ]
    elif cfg.mistake == "forget-zero-grad":
        out += [
            "g_w = g_w + 2 * c * (Xb.T @ r)  # MISTAKE on purpose: old gradients never cleared",
            *(["g_b = g_b + 2 * c * r.sum()"] if bias else []),
        ]
    elif cfg.mistake == "sign-flip":
        out += [
            "g_w = -2 * c * (Xb.T @ r)  # MISTAKE on purpose: the sign slipped, steps climb",
            *(["g_b = -2 * c * r.sum()"] if bias else []),
        ]
    else:
        out += [
            "g_w = 2 * c * (Xb.T @ r)  # ∂L/∂w = 2c·Xᵀr",
            *(["g_b = 2 * c * r.sum()  # ∂L/∂b = 2c·Σr"] if bias else []),
        ]
    out.append("eta = lr_at(t)")
    return out + [line for p in params for line in update_rule(cfg.optimizer, p, f"g_{p}", False)]


def autograd_body(cfg: RunConfig, params: list[str]) -> list[str]:
    """One update, gradients by loss.backward(); the rule applied under torch.no_grad()."""
    model = "Xb[-1:] @ w" if cfg.mistake == "overwrite-grad" else "Xb @ w"
    target = "yb[-1:]" if cfg.mistake == "overwrite-grad" else "yb"
    out = ["c = scale(len(yb))"]
    if cfg.mistake == "overwrite-grad":
        out.append("# MISTAKE on purpose (T5): only the batch's last row enters the loss")
    out += [
        f"loss = c * (({model}{' + b' if cfg.bias else ''} - {target}) ** 2).sum()",
        _backward(cfg, "  # fills w.grad = ∂L/∂w" + (" and b.grad = ∂L/∂b" if cfg.bias else "")),
        "eta = lr_at(t)",
        "with torch.no_grad():  # the update itself must not be recorded",
    ]
    for p in params:
        out += ["    " + line for line in update_rule(cfg.optimizer, p, f"{p}.grad", True)]
    if cfg.mistake == "forget-zero-grad":
        return out + ["    # MISTAKE on purpose: no .grad.zero_(), so gradients pile up"]
    return out + [f"    {p}.grad.zero_()  # backward() adds to .grad: clear it" for p in params]


def module_setup(cfg: RunConfig) -> list[str]:
    """nn.Linear started where the other styles start, nn.MSELoss and the optimizer."""
    reduction = get_loss(cfg.loss).reduction
    return [
        f"model = torch.nn.Linear(D, 1, bias={cfg.bias}).to(DEVICE, DTYPE)",
        "with torch.no_grad():  # start where the other styles start",
        "    model.weight.copy_(w.reshape(1, -1))",
        *(["    model.bias.copy_(b.reshape(1))"] if cfg.bias else []),
        f'loss_fn = torch.nn.MSELoss(reduction="{reduction}")',
        f"optimizer = {TORCH_OPTIMIZER[cfg.optimizer]}",
        "",
    ]


def module_body(cfg: RunConfig, params: list[str]) -> list[str]:
    """One update with nn.MSELoss and optimizer.step() (½ and 1/n folded in by hand)."""
    entry = get_loss(cfg.loss)
    half = "0.5 * " if entry.half else ""
    mean = entry.mean
    if cfg.mistake == "overwrite-grad":
        loss = [
            "# MISTAKE on purpose (T5): only the batch's last row enters the loss",
            f"loss = {half}loss_fn(model(Xb[-1:]).squeeze(1), yb[-1:])"
            + (" / len(yb)" if mean else ""),
        ]
    else:
        loss = [f"loss = {half}loss_fn(model(Xb).squeeze(1), yb)"]
    if cfg.mistake == "forget-zero-grad":
        zero = "# MISTAKE on purpose: no optimizer.zero_grad(), so gradients pile up"
    else:
        zero = "optimizer.zero_grad()  # backward() adds to .grad: clear it first"
    return [
        "for group in optimizer.param_groups:  # the schedule, as lr_scheduler would set it",
        '    group["lr"] = lr_at(t)',
        zero,
        *loss,
        _backward(cfg),
        "optimizer.step()",
    ]


def _backward(cfg: RunConfig, comment: str = "") -> str:
    """loss.backward(), or under sign-flip the slipped (−loss).backward() (g becomes −∇L)."""
    if cfg.mistake == "sign-flip":
        return "(-loss).backward()  # MISTAKE on purpose: the sign slipped, so steps climb"
    return "loss.backward()" + comment


BODIES = {"hand": hand_body, "autograd": autograd_body, "module": module_body}
