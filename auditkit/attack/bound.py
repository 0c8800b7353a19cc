"""The PageRank closed form of the optimal link-spam farm (Gyöngyi & Garcia-Molina, VLDB 2005;
MMDS §5.4.2), stated beside the PageRank measured on an attacked world."""

from __future__ import annotations

import numpy as np

from auditkit.attack.reproduction import COHORT
from auditkit.attack.worlds import AttackWorlds
from auditkit.plugin.scorer import Scorer
from auditkit.scenario.run import Built


def farm_bound(
    pr: np.ndarray, src: np.ndarray, dst: np.ndarray, target: int, farm: np.ndarray, damping: float
) -> dict[str, float]:
    """The optimal-farm closed form for ``target`` beside its PageRank ``pr[target]``.

    ``y = x/(1-β²) + β/(1+β)·m/n`` (MMDS §5.4.2), with ``m`` farm accounts (``farm``, a mask),
    ``n`` accounts, and ``x`` the PageRank reaching the target from outside the farm: its own
    teleport share, what others pass it directly, and β times what others pass the farm (attack
    edges), all measured on ``pr`` over the edges ``src -> dst``. The teleport share ``(1-β)/n``
    is ``τ = (1-β+βD)/n`` here, which adds the dangling mass ``D`` spread uniformly (without
    dangling mass it is the textbook form). The form is exact for the optimal farm (the target
    follows only farm accounts, each farm account follows only the target) and an upper bound
    for any other structure with the same ``m`` and ``x``.
    """
    n = len(pr)
    src, dst = np.asarray(src, np.int64), np.asarray(dst, np.int64)
    out = np.bincount(src, minlength=n).astype(np.float64)
    b = float(damping)
    m = int(np.count_nonzero(farm))
    dangling = float(pr[out == 0].sum())
    tau = ((1 - b) + b * dangling) / n
    share = pr[src] / np.maximum(out[src], 1)
    outside = ~farm[src] & (src != target)
    direct = b * float(share[outside & (dst == target)].sum())
    via_farm = b * float(share[outside & farm[dst]].sum())
    x = tau + direct + b * via_farm
    bound = x / (1 - b * b) + b / (1 + b) * m * tau / (1 - b)
    return {
        "damping": b,
        "n": n,
        "m": m,
        "x": x,
        "dangling_mass": dangling,
        "amplification": 1 / (1 - b * b),
        "c": b / (1 + b),
        "bound": bound,
        "measured": float(pr[target]),
        "bound_per_avg": bound * n,
        "measured_per_avg": float(pr[target]) * n,
        "x_per_avg": x * n,
    }


def pagerank_bound(worlds: AttackWorlds, built: Built, scorer: Scorer) -> dict[str, float] | None:
    """:func:`farm_bound` for the target of ``worlds`` in ``built`` (as of the end), the farm
    being the attacker's accounts that follow the target (fake followers and sybils), with the
    target's PageRank in the control world beside it (``control``, ``control_per_avg``);
    ``None`` when ``scorer`` is not built on a random walk (:meth:`Scorer.random_walk`)."""
    walk = scorer.random_walk(built.world, worlds.end)
    control = scorer.random_walk(worlds.control.world, worlds.end)
    if walk is None or control is None:
        return None
    snap = built.world.as_of(worlds.end)
    src, dst = (np.asarray(c, np.int64) for c in snap.follow_codes)
    pr = walk.vector
    t = worlds.target
    attacker = (built.draft.column("cohort") == COHORT) & (built.role == "auxiliary")
    farm = np.zeros(len(pr), bool)
    farm[src[(dst == t) & attacker[src]]] = True
    return farm_bound(pr, src, dst, t, farm, walk.damping) | {
        "control": float(control.vector[t]),
        "control_per_avg": float(control.vector[t]) * len(control.vector),
    }


def bound_text(b: dict[str, float]) -> str:
    return (
        f"PageRank closed form of the optimal farm (Gyöngyi & Garcia-Molina 2005; MMDS "
        f"5.4.2): y = x/(1-β²) + β/(1+β)·m/n with β = {b['damping']:g} "
        f"(amplification {b['amplification']:.2f}, c = {b['c']:.2f}), m = {b['m']:,} "
        f"attacker accounts following the target, n = {b['n']:,}, x = {b['x_per_avg']:.2f}/n "
        f"external: bound y = {b['bound_per_avg']:.2f}/n; measured y = "
        f"{b['measured_per_avg']:.2f}/n (control {b['control_per_avg']:.2f}/n), "
        f"{100 * b['measured'] / b['bound']:.0f}% of the bound"
    )
