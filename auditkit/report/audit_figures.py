"""The figures of an audit report, drawn with matplotlib from the results' evidence
(:mod:`auditkit.auditing.evidence`: one representative seed per scenario, its first).

- across the scenarios (:func:`overview_figures`): the agreement between scorers and the score
  against the ground truth, each the median over the scenarios' worlds;
- per scenario (:func:`flaw_figures`): where each cohort ranks in the treated and the control
  world, the decay of a silent cohort's score, and the gain against the size of an attack.

Every figure carries a text alternative that says what it shows with its numbers, so that a
reader who cannot see it (or a plain-text report) loses nothing but the picture. Results
without evidence (or with an error in it) simply get no figure.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from auditkit.plugin.renderer import Block, Figure, Table
from auditkit.report.figures import PALETTE, new_figure, svg_of
from auditkit.text import join_words, number, signed

__all__ = ["overview_figures", "flaw_figures", "agreement", "truth_curves"]


def _scenarios(evidence: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = evidence.get("scenarios") if isinstance(evidence, dict) else None
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(v, dict) and "error" not in v}


def _colour(scorers: list[str], scorer: str) -> str:
    i = scorers.index(scorer) if scorer in scorers else len(scorers)
    return PALETTE[i % len(PALETTE)]


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None or not np.isfinite(value) else number(value, digits)


# ---- across scenarios ------------------------------------------------------------------------


def agreement(evidence: dict[str, Any], scorers: list[str]) -> tuple[list[str], np.ndarray, int]:
    """(scorers, the median over scenarios of Spearman's rho between each pair, scenarios
    counted)."""
    mats = []
    for ev in _scenarios(evidence).values():
        a = ev.get("agreement") or {}
        ids = a.get("scorers") or []
        if not ids:
            continue
        m = np.full((len(scorers), len(scorers)), np.nan)
        for i, x in enumerate(scorers):
            for j, y in enumerate(scorers):
                if x in ids and y in ids:
                    v = a["rho"][ids.index(x)][ids.index(y)]
                    m[i, j] = np.nan if v is None else float(v)
        mats.append(m)
    if not mats:
        return scorers, np.empty((0, 0)), 0
    with warnings.catch_warnings():  # a pair with no value anywhere stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(np.stack(mats), axis=0)
    return scorers, median, len(mats)


def truth_curves(
    evidence: dict[str, Any], scorers: list[str]
) -> tuple[dict[str, list[float]], dict[str, float], int]:
    """(per scorer, the median over scenarios of the median score percentile in each bin of
    truth percentile; per scorer, the median rho with the truth; scenarios counted)."""
    curves: dict[str, list[list[float]]] = {s: [] for s in scorers}
    rhos: dict[str, list[float]] = {s: [] for s in scorers}
    counted = 0
    for ev in _scenarios(evidence).values():
        t = ev.get("truth")
        if not t:
            continue
        counted += 1
        for s in scorers:
            if s in t.get("median_percentile", {}):
                curves[s].append([np.nan if v is None else v for v in t["median_percentile"][s]])
            rho = t.get("rho", {}).get(s)
            if rho is not None:
                rhos[s].append(rho)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = {s: np.nanmedian(np.array(c), axis=0).tolist() for s, c in curves.items() if c}
        rho = {s: float(np.median(r)) for s, r in rhos.items() if r}
    return med, rho, counted


def overview_figures(evidence: dict[str, Any], scorers: list[str]) -> list[Block]:
    """The figures across scenarios: agreement between scorers, and score against truth."""
    blocks: list[Block] = []
    if not _scenarios(evidence) or not scorers:
        return blocks
    ids, m, n = agreement(evidence, scorers)
    if n and len(ids) > 1:
        blocks += _agreement_figure(ids, m, n)
    curves, rho, counted = truth_curves(evidence, scorers)
    if curves:
        blocks.append(_truth_figure(curves, rho, counted, scorers))
    return blocks


def _agreement_figure(ids: list[str], m: np.ndarray, n: int) -> list[Block]:
    fig = new_figure(1.6 + 0.62 * len(ids), 1.2 + 0.5 * len(ids))
    ax = fig.add_subplot()
    image = ax.imshow(np.nan_to_num(m, nan=0.0), vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(ids)), ids, rotation=40, ha="right")
    ax.set_yticks(range(len(ids)), ids)
    for i in range(len(ids)):
        for j in range(len(ids)):
            v = m[i, j]
            ax.text(
                j,
                i,
                _fmt(v),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if np.isfinite(v) and abs(v) > 0.6 else "black",
            )
    fig.colorbar(image, ax=ax, shrink=0.8, label="Spearman's rho")
    ax.set_title("Agreement between scorers")
    pairs = [
        (m[i, j], ids[i], ids[j])
        for i in range(len(ids))
        for j in range(i + 1, len(ids))
        if np.isfinite(m[i, j])
    ]
    alt = (
        f"Spearman's rank correlation between every two scorers' scores over the same "
        f"world, the median over {n} scenario worlds (their first seed)."
    )
    if pairs:
        hi, lo = max(pairs), min(pairs)
        alt += (
            f" Most alike: {hi[1]} and {hi[2]} (rho {_fmt(hi[0])}); least alike: "
            f"{lo[1]} and {lo[2]} (rho {_fmt(lo[0])}). The table below gives every pair."
        )
    table = Table(
        ["", *ids],
        [[a, *[_fmt(m[i, j]) for j in range(len(ids))]] for i, a in enumerate(ids)],
        caption="Agreement between scorers (median Spearman's rho over the scenarios' worlds)",
    )
    return [Figure("Agreement between scorers", alt, svg_of(fig)), table]


def _truth_figure(
    curves: dict[str, list[float]], rho: dict[str, float], n: int, scorers: list[str]
) -> Figure:
    fig = new_figure(6.4, 3.8)
    ax = fig.add_subplot()
    k = len(next(iter(curves.values())))
    x = (np.arange(k) + 0.5) * 100.0 / k
    ax.plot(
        [0, 100],
        [0, 100],
        color="#888888",
        linestyle="--",
        linewidth=1,
        label="ideal: score follows truth",
    )
    for s, c in curves.items():
        ax.plot(
            x,
            c,
            marker="o",
            markersize=3,
            linewidth=1.4,
            color=_colour(scorers, s),
            label=f"{s} (rho {_fmt(rho.get(s))})",
        )
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel("ground-truth percentile (expected spread of one post), in deciles")
    ax.set_ylabel("median score percentile")
    ax.set_title("Score against ground truth")
    fig.legend(fontsize=7, loc="outside right upper", frameon=False)
    ranked = sorted(rho.items(), key=lambda kv: -kv[1])
    alt = (
        f"For each tenth of the accounts by ground truth (the expected spread of one post), "
        f"the median percentile each scorer gives them: the median over {n} simulated "
        f"scenario worlds (their first seed). A scorer that tracks influence follows the "
        f"diagonal. Median rank correlation with the truth: "
        + join_words([f"{s} {_fmt(r)}" for s, r in ranked])
        + "."
    )
    return Figure("Score against ground truth", alt, svg_of(fig))


# ---- per scenario ----------------------------------------------------------------------------


def flaw_figures(evidence: dict[str, Any], scenario: str, scorers: list[str]) -> list[Block]:
    """The figures of one scenario: cohorts treated against control, decay, dose."""
    ev = _scenarios(evidence).get(scenario)
    if not ev:
        return []
    blocks: list[Block] = []
    figure = _cohort_figure(scenario, ev, scorers)
    if figure:
        blocks.append(figure)
    for cohort, decay in (ev.get("decay") or {}).items():
        blocks.append(_decay_figure(scenario, ev["seed"], cohort, decay, scorers))
    if ev.get("dose"):
        blocks.append(_dose_figure(scenario, ev["seed"], ev["dose"], scorers))
    return blocks


def _cohort_figure(scenario: str, ev: dict[str, Any], scorers: list[str]) -> Figure | None:
    cohorts = ev.get("cohorts") or {}
    ids = [s for s in scorers if s in cohorts]
    if not ids:
        return None
    names = list(dict.fromkeys(n for s in ids for n in cohorts[s]))
    treated = bool(ev.get("treatment"))
    fig = new_figure(6.4, 1.1 + 0.42 * len(ids) * max(1, len(names)) ** 0.5)
    ax = fig.add_subplot()
    step = 0.8 / max(1, len(names))
    for c, name in enumerate(names):
        colour = PALETTE[c % len(PALETTE)]
        for i, s in enumerate(ids):
            entry = cohorts[s].get(name)
            if not entry:
                continue
            y = i - 0.4 + step * (c + 0.5)
            q = entry["treated"]
            ax.plot([q[1], q[3]], [y, y], color=colour, linewidth=2.2)
            ax.plot(
                [q[2]], [y], marker="o", color=colour, markersize=5, label=name if i == 0 else None
            )
            if treated and entry.get("control"):
                qc = entry["control"]
                yc = y + step * 0.35
                ax.plot([qc[1], qc[3]], [yc, yc], color=colour, linewidth=1, linestyle=":")
                ax.plot(
                    [qc[2]], [yc], marker="o", markerfacecolor="white", color=colour, markersize=5
                )
    ax.set_yticks(range(len(ids)), ids)
    ax.invert_yaxis()
    ax.set_xlim(-2, 102)
    ax.set_xlabel("percentile rank in the population (0 lowest, 100 highest)")
    fig.legend(
        fontsize=7,
        loc="outside lower center",
        frameon=False,
        ncols=min(5, len(names)),
        title="cohort (filled: treated world" + ("; open: control world)" if treated else ")"),
        title_fontsize=7,
    )
    ax.set_title(f"Where each cohort ranks ({scenario}, seed {ev['seed']})", fontsize=10)
    words = []
    for name in names:
        if name == "base":
            continue
        parts = []
        for s in ids:
            entry = cohorts[s].get(name)
            if not entry:
                continue
            t = _fmt(entry["treated"][2], 3)
            if treated and entry.get("control"):
                parts.append(f"{s} {t} (control {_fmt(entry['control'][2], 3)})")
            else:
                parts.append(f"{s} {t}")
        words.append(f"{name}: " + ", ".join(parts))
    alt = (
        "Median percentile of each cohort's members under each scorer"
        + (
            " in the treated world, and in the control world without the treatment"
            if treated
            else ""
        )
        + "; the bars span the middle half of the members. "
        + "; ".join(words)
        + "."
    )
    return Figure(f"Where each cohort ranks in {scenario}", alt, svg_of(fig))


def _decay_figure(
    scenario: str, seed: int, cohort: str, decay: dict[str, Any], scorers: list[str]
) -> Figure:
    fig = new_figure(6.4, 3.4)
    ax = fig.add_subplot()
    days = decay["days"]
    kept = decay["kept"]
    for s, values in kept.items():
        y = [np.nan if v is None else 100 * v for v in values]
        ax.plot(
            days, y, marker="o", markersize=3, linewidth=1.4, color=_colour(scorers, s), label=s
        )
    ax.axhline(50, color="#888888", linestyle="--", linewidth=1)
    ax.set_xlabel("days since the cohort fell silent")
    ax.set_ylabel("score kept (% of staying active)")
    ax.set_title(f"Decay of the {cohort} cohort's score ({scenario}, seed {seed})", fontsize=10)
    fig.legend(fontsize=7, loc="outside right upper", frameon=False)
    last = days[-1]
    ends = [f"{s} {_fmt(100 * v[-1] if v[-1] is not None else None, 3)}%" for s, v in kept.items()]
    alt = (
        f"Share of their score the {cohort} cohort keeps against the same accounts "
        f"staying active (median member, above the scorer's minimum), after 0 to {last} "
        f"silent days; the dashed line is half. After {last} days: {', '.join(ends)}."
    )
    return Figure(f"Decay over silence in {scenario}", alt, svg_of(fig))


def _dose_figure(scenario: str, seed: int, dose: dict[str, Any], scorers: list[str]) -> Figure:
    fig = new_figure(6.4, 3.4)
    ax = fig.add_subplot()
    counts = dose["counts"]
    for s, gains in dose["gain"].items():
        y = [np.nan if v is None else v for v in gains]
        ax.plot(
            counts, y, marker="o", markersize=3, linewidth=1.4, color=_colour(scorers, s), label=s
        )
    ax.set_xscale("log", base=2)
    ax.set_xticks(counts, [number(c) for c in counts])
    ax.axhline(0, color="#888888", linewidth=0.8)
    what = str(dose.get("behaviour", "treatment")).replace("_", " ")
    ax.set_xlabel(f"size of the attack ({what}: count)")
    ax.set_ylabel(f"gain ({dose.get('unit', '')})")
    ax.set_title(f"Gain against attack size ({scenario}, seed {seed})", fontsize=10)
    fig.legend(fontsize=7, loc="outside right upper", frameon=False)
    parts = [
        f"{s} {join_words([signed(v) if v is not None else 'n/a' for v in g], 'and')}"
        for s, g in dose["gain"].items()
    ]
    alt = (
        f"Gain of the {dose['cohort']} cohort ({dose.get('unit', '')}, treated against "
        f"control) when the count of its {what} is "
        + join_words([number(c) for c in counts])
        + " (the scenario's own count and "
        "fixed multiples of it): " + "; ".join(parts) + "."
    )
    return Figure(f"Gain against attack size in {scenario}", alt, svg_of(fig))
