"""Seeded synthetic worlds shaped like social networks.

:func:`generate_world` draws a population with heavy-tailed attention (followers), heavy-tailed
activity (posts), communities, reciprocity, and reactions that flow along follow edges towards
attractive accounts (see :func:`auditkit.data.simulation.simulate`). It is vectorised with
numpy, so a million accounts with ten million follows and ten million events take seconds. The same
arguments and seed give an identical world.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.data.draft import DAY, DEFAULT_START, Draft
from auditkit.data.simulation import simulate, weighted_choice
from auditkit.data.world import World

__all__ = ["generate_world", "add_population", "DEFAULT_START"]


def add_population(
    draft: Draft, accounts: int, *, communities: int = 8, id_prefix: str = "u"
) -> np.ndarray:
    """Add ``accounts`` ordinary accounts with heavy-tailed traits to ``draft``.

    Attention is Pareto-distributed (index 1.1), activity log-normal (sigma 1.2), sociability
    Pareto (index 1.5): the heavy tails reported by Kwak et al. (WWW 2010) and Cha et al.
    (ICWSM 2010). Communities are Zipf-sized; creation dates spread over five years.
    """
    rng = draft.rng("population")
    n = int(accounts)
    attention = rng.pareto(1.1, n) + 1.0
    activity = rng.lognormal(0.0, 1.2, n)
    sociability = rng.pareto(1.5, n) + 1.0
    group = weighted_choice(rng, 1.0 / np.arange(1, communities + 1), n)
    created = np.floor(draft.t0 - rng.uniform(0, 5 * 365 * DAY, n))
    return draft.add_accounts(
        n,
        prefix=id_prefix,
        label="human",
        group=np.array([f"c{g}" for g in range(communities)], dtype=object)[group],
        attention=attention,
        activity=activity,
        sociability=sociability,
        created=created,
    )


def generate_world(
    accounts: int = 1000,
    *,
    follows: int | None = None,
    events: int | None = None,
    days: float = 120.0,
    communities: int = 8,
    locality: float = 0.8,
    reciprocity: float = 0.25,
    post_share: float = 0.35,
    start: pd.Timestamp | str = DEFAULT_START,
    seed: int = 0,
) -> World:
    """Generate a seeded world of ``accounts`` ordinary accounts.

    Parameters
    ----------
    accounts : int
        Number of accounts.
    follows : int, optional (default ``12 * accounts``)
        Follow edges to draw (self-follows and duplicates are removed, so slightly fewer remain).
    events : int, optional (default ``20 * accounts``)
        Posts plus reactions to draw; reactions without a post to react to are dropped.
    days : float
        Length of the simulated period; events fall in ``[start, start + days)``.
    communities : int
        Number of communities (the ``group`` column), Zipf-sized.
    locality : float
        Share of follows that stay inside the follower's community.
    reciprocity : float
        Share of follow edges that are followed back.
    post_share : float
        Share of events that are posts; the rest are reactions.
    seed : int
        Seed; the same seed gives an identical world.
    """
    draft = Draft(days=days, start=start, seed=seed)
    n = max(int(accounts), 0)
    add_population(draft, n, communities=communities)
    if n:
        simulate(
            draft,
            follows_per_account=(12 if follows is None else follows / n),
            events_per_account=(20 if events is None else events / n),
            communities_locality=locality,
            reciprocity=reciprocity,
            post_share=post_share,
        )
    return draft.build()
