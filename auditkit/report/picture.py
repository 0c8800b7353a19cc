"""A picture of a small world, as SVG: accounts as circles labelled with their id and score,
coloured by cohort and sized by score; follows as grey arrows, reactions as coloured dashed
arrows (one per kind: share, reply, mention, like), with the count when there are several.

Drawn with matplotlib on a fixed layout: the accounts sit on a circle, grouped by cohort (the
cohorts in the scenario's order, then the ordinary population), so nothing is random and the
same world gives the same picture. The SVG is byte-identical run to run on the same matplotlib:
its element ids are salted with a fixed string (``svg.hashsalt``), no date is written, text is
kept as text (``svg.fonttype: none``) and the creator names the matplotlib version, so a picture
made by another version can be told apart. When the world has a control (the same world without
the treatment), both are drawn side by side on the same positions.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from auditkit.data.accounts import BOT_LABELS
from auditkit.data.world import ACTIONS, World
from auditkit.text import join_words, number, plural

__all__ = [
    "PicturePanel",
    "world_picture",
    "picture_alt",
    "layout",
    "COHORT_COLOURS",
    "REACTION_COLOURS",
    "SVG_SALT",
]

#: Salt of the SVG's element ids (any fixed string makes them reproducible).
SVG_SALT = "auditkit"
#: Fill colours of cohorts, in the order they are met; the ordinary population is grey.
COHORT_COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
)
BASE_COLOUR = "#bdbdbd"
FOLLOW_COLOUR = "#7f7f7f"
REACTION_COLOURS = {"share": "#2ca02c", "reply": "#1f77b4", "mention": "#9467bd", "like": "#ff7f0e"}
_PAST = {"share": "shared", "reply": "replied to", "mention": "mentioned", "like": "liked"}


@dataclass(frozen=True)
class PicturePanel:
    """One world to draw, with a title and the score of each account (for size and label)."""

    title: str
    world: World
    scores: Mapping[str, float]


def layout(accounts: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Positions on the unit circle, the first account at the top, then clockwise."""
    n = len(accounts)
    if n == 1:
        return {accounts[0]: (0.0, 0.0)}
    out = {}
    for i, a in enumerate(accounts):
        angle = math.pi / 2 - 2 * math.pi * i / n
        out[a] = (round(math.cos(angle), 6), round(math.sin(angle), 6))
    return out


def _order(
    panels: Sequence[PicturePanel], cohorts: Mapping[str, str], cohort_order: Sequence[str]
) -> list[str]:
    seen: dict[str, None] = {}
    for p in panels:
        for a in map(str, p.world.ids):
            seen.setdefault(a, None)
    rank = {c: i for i, c in enumerate(cohort_order)}
    return sorted(seen, key=lambda a: (rank.get(cohorts.get(a, ""), len(rank)), a))


def _edges(world: World) -> tuple[list[tuple[str, str]], dict[tuple[str, str, str], int]]:
    """Follows ``(follower, followee)`` and reactions ``(actor, target, kind) -> count``."""
    ids = [str(a) for a in world.ids]
    src, dst = world.follow_codes
    follows = sorted({(ids[s], ids[d]) for s, d in zip(src.tolist(), dst.tolist(), strict=True)})
    actor, action, target = world.event_codes
    reactions: dict[tuple[str, str, str], int] = {}
    for a, act, t in zip(actor.tolist(), action.tolist(), target.tolist(), strict=True):
        if act == 0 or t < 0 or t == a:
            continue
        key = (ids[a], ids[t], ACTIONS[act])
        reactions[key] = reactions.get(key, 0) + 1
    return follows, dict(sorted(reactions.items()))


def world_picture(
    panels: Sequence[PicturePanel],
    title: str,
    *,
    cohorts: Mapping[str, str],
    cohort_order: Sequence[str],
    labels: Mapping[str, str],
    score_name: str,
) -> str:
    """The panels as one SVG document (see the module docstring). ``cohorts`` maps accounts to
    their cohort ("" for the ordinary population), ``labels`` to their label (an
    account labelled as automated or fake, :data:`~auditkit.data.accounts.BOT_LABELS`, is
    drawn with a white centre)."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    accounts = _order(panels, cohorts, cohort_order)
    pos = layout(accounts)
    colour = {c: COHORT_COLOURS[i % len(COHORT_COLOURS)] for i, c in enumerate(cohort_order)}
    values = [float(v) for p in panels for v in p.scores.values()]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)

    def size(score: float) -> float:  # marker area in points^2
        share = 0.5 if hi == lo else (score - lo) / (hi - lo)
        return 350.0 + 1900.0 * share

    with matplotlib.rc_context(
        {
            "svg.hashsalt": SVG_SALT,
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.titlesize": 10,
        }
    ):
        fig = Figure(figsize=(5.2 * len(panels), 5.6))
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, panel in zip(axes, panels, strict=True):
            _draw(ax, panel, pos, colour, cohorts, labels, size)
        handles = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=9,
                markerfacecolor=colour[c],
                markeredgecolor=colour[c],
                label=c,
            )
            for c in cohort_order
            if any(cohorts.get(a) == c for a in accounts)
        ]
        if any(not cohorts.get(a) for a in accounts):
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markersize=9,
                    markerfacecolor=BASE_COLOUR,
                    markeredgecolor=BASE_COLOUR,
                    label="ordinary accounts",
                )
            )
        if any(labels.get(a, "") in BOT_LABELS for a in accounts):
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markersize=9,
                    markerfacecolor="white",
                    markeredgecolor="#555555",
                    label="labelled " + "/".join(BOT_LABELS),
                )
            )
        handles.append(Line2D([], [], color=FOLLOW_COLOUR, lw=1.2, label="follows"))
        kinds = sorted({k for p in panels for (_, _, k) in _edges(p.world)[1]})
        handles += [
            Line2D(
                [], [], color=REACTION_COLOURS[k], lw=1.6, linestyle="--", label=f"{k} (reaction)"
            )
            for k in kinds
        ]
        fig.legend(
            handles=handles,
            loc="lower center",
            ncol=min(len(handles), 4),
            frameon=False,
            fontsize=8,
        )
        wrapped = textwrap.fill(title, width=int(55 * len(panels)))
        fig.suptitle(f"{wrapped}\n(circle size: {score_name} score)", fontsize=10)
        fig.subplots_adjust(left=0.02, right=0.98, top=0.86, bottom=0.14, wspace=0.05)
        buffer = io.StringIO()
        fig.savefig(
            buffer,
            format="svg",
            metadata={
                "Date": None,
                "Creator": f"auditkit (matplotlib {matplotlib.__version__})",
                "Title": title,
                "Description": picture_alt(panels, cohorts, labels, score_name),
            },
        )
    return buffer.getvalue()


def _draw(ax, panel: PicturePanel, pos, colour, cohorts, labels, size) -> None:
    ax.set_title(panel.title)
    ax.set_xlim(-1.55, 1.55)
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    here = [str(a) for a in panel.world.ids]
    radius = {a: math.sqrt(size(float(panel.scores.get(a, 0.0)))) / 2 for a in here}
    follows, reactions = _edges(panel.world)
    for a, b in follows:
        ax.annotate(
            "",
            xy=pos[b],
            xytext=pos[a],
            zorder=1,
            arrowprops=dict(
                arrowstyle="-|>",
                color=FOLLOW_COLOUR,
                lw=1.2,
                mutation_scale=12,
                shrinkA=radius[a],
                shrinkB=radius[b] + 1,
                connectionstyle="arc3,rad=0.12",
            ),
        )
    kinds_between: dict[tuple[str, str], int] = {}
    for (a, b, kind), count in reactions.items():
        k = kinds_between.get((a, b), 0)
        kinds_between[(a, b)] = k + 1
        rad = -0.22 - 0.12 * k
        ax.annotate(
            "",
            xy=pos[b],
            xytext=pos[a],
            zorder=2,
            arrowprops=dict(
                arrowstyle="-|>",
                color=REACTION_COLOURS[kind],
                lw=1.6,
                linestyle="--",
                mutation_scale=12,
                shrinkA=radius[a],
                shrinkB=radius[b] + 1,
                connectionstyle=f"arc3,rad={rad}",
            ),
        )
        if count > 1:
            (x0, y0), (x1, y1) = pos[a], pos[b]
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            # the middle of matplotlib's arc3 curve: its control point is the midpoint moved
            # by rad * (dy, -dx); a quadratic Bezier passes halfway towards it
            ax.text(
                mx + 0.5 * rad * (y1 - y0),
                my - 0.5 * rad * (x1 - x0),
                f"{count}x",
                zorder=4,
                fontsize=8,
                color=REACTION_COLOURS[kind],
                ha="center",
                va="center",
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"),
            )
    for a in here:
        x, y = pos[a]
        c = colour.get(cohorts.get(a, ""), BASE_COLOUR)
        hollow = labels.get(a, "") in BOT_LABELS
        score = float(panel.scores.get(a, 0.0))
        ax.scatter(
            [x],
            [y],
            s=[size(score)],
            c=["white" if hollow else c],
            edgecolors=[c],
            linewidths=2.0,
            zorder=3,
        )
        ax.annotate(
            f"{a}\n{number(score)}",
            xy=(x, y),
            xytext=(0, -radius[a] - 2),
            textcoords="offset points",
            zorder=4,
            ha="center",
            va="top",
            fontsize=8,
        )
    missing = np.setdiff1d(np.array(list(pos), dtype=object), np.array(here, dtype=object))
    for a in missing:
        x, y = pos[str(a)]
        ax.text(
            x,
            y,
            f"({a}:\nnot in this world)",
            ha="center",
            va="center",
            fontsize=7,
            color="#999999",
            zorder=4,
        )


def picture_alt(
    panels: Sequence[PicturePanel],
    cohorts: Mapping[str, str],
    labels: Mapping[str, str],
    score_name: str,
) -> str:
    """The picture in words (its text alternative)."""
    out = []
    for panel in panels:
        ids = [str(a) for a in panel.world.ids]
        who = []
        for a in ids:
            what = [w for w in (cohorts.get(a, ""), labels.get(a, "")) if w]
            who.append(
                f"{a} ({', '.join(what) + ', ' if what else ''}{score_name} "
                f"{number(float(panel.scores.get(a, 0.0)))})"
            )
        follows, reactions = _edges(panel.world)
        edges = [f"{a} follows {b}" for a, b in follows]
        edges += [
            f"{a} {_PAST[k]} {b}" + (f" {count} times" if count > 1 else "")
            for (a, b, k), count in reactions.items()
        ]
        out.append(
            f"{panel.title}: {plural(len(ids), 'account')}, {join_words(who)}; "
            + (f"arrows: {join_words(edges)}." if edges else "no follows or reactions.")
        )
    return " ".join(out)
