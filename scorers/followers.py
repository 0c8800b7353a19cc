"""Follower count on a log scale: the baseline every influence score is compared with."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
import pydantic

from auditkit import Params as PluginParams
from auditkit import Scorer, Statement, World, hookimpl, statement_items

__all__ = ["FollowerCount"]


class FollowerCount(Scorer):
    """Follower count mapped to 0-100 on a fixed log scale.

    .. math:: s = 100 \\cdot \\min\\left(1, \\frac{\\ln(1 + f)}{\\ln(1 + f_{ref})}\\right)

    where ``f`` is the number of followers as of ``at`` (follow edges when the world has any,
    else the observed ``followers_count`` column) and ``f_ref`` the reference count that scores
    100 (default 10^8, about the largest audiences on Twitter/X). The scale is absolute, not
    relative to the population: adding accounts never moves anyone else's score.

    Notes
    -----
    Every bought, dead or follow-back follower counts in full (F7, F8). Cha et al. showed that
    follower rank barely predicts retweet rank among top users ("the million follower fallacy");
    Golliher found log(followers) alone fits Klout with R^2 about 0.94 (F17), which is why this
    is the reference a richer score has to beat.

    References
    ----------
    .. [1] M. Cha, H. Haddadi, F. Benevenuto, K. Gummadi, "Measuring User Influence in Twitter:
       The Million Follower Fallacy", ICWSM 2010.
    .. [2] S. Golliher, "How I reverse engineered Klout score to an R^2 = 0.94" (blog, 2011).
    """

    id = "followers"
    concurrent = True  # keeps no state between calls
    version = "1.0"
    name = "Follower count (log scale)"
    range = (0.0, 100.0)
    description = (
        "Number of followers as of the scoring time, from follow edges when the world has any "
        "and from the observed followers_count otherwise, mapped to 0-100 by "
        "100*ln(1+f)/ln(1+f_ref), f_ref = 10^8 by default. The baseline: every follower counts, "
        "bought, dead or reciprocal."
    )
    references = (
        "Cha, Haddadi, Benevenuto, Gummadi. Measuring User Influence in Twitter: The Million "
        "Follower Fallacy. ICWSM 2010.",
        "Golliher. How I reverse engineered Klout score to an R^2 = 0.94 (blog, 2011).",
    )
    tags = frozenset({"follows", "counts", "time"})

    class Params(PluginParams):
        source: Literal["auto", "edges", "counts"] = pydantic.Field(
            "auto",
            description="where follower numbers come from: follow edges, the "
            "followers_count column, or auto (edges if the world has any, else counts)",
        )
        reference: float = pydantic.Field(
            1e8, gt=1, description="the follower count that scores 100"
        )

    params: FollowerCount.Params

    def followers(self, world: World, at: object = None) -> tuple[np.ndarray, str]:
        """Follower numbers per account and where they came from (``edges`` or ``counts``)."""
        t = world.resolve_at(at)
        snapshot = world if t is None else world.as_of(t)
        source = self.params.source
        if source == "auto":
            source = "edges" if len(world.follows) else "counts"
        if source == "edges":
            return snapshot.in_degree.astype(np.float64), source
        return world.profile_count("followers_count"), source

    def _scale(self, f: np.ndarray) -> np.ndarray:
        return np.minimum(1.0, np.log1p(f) / math.log1p(self.params.reference)) * 100.0

    def score(self, world: World, at: object = None) -> pd.Series:
        f, _ = self.followers(world, at)
        return world.series(self._scale(f), name=self.id)

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        code = world.code_of(account)
        f, source = self.followers(world, at)
        s = float(self._scale(f[code : code + 1])[0])
        note = (
            "follow edges in the world" if source == "edges" else "observed followers_count column"
        )
        items = statement_items(
            [
                (
                    "followers",
                    float(f[code]),
                    s,
                    f"{note}; 100*ln(1+{f[code]:g})/ln(1+{self.params.reference:g})",
                ),
            ]
        )
        return Statement(self.id, account, s, items, world.resolve_at(at))


@hookimpl
def register_scorers(register):
    register(FollowerCount)
