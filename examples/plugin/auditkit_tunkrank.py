"""TunkRank: an example of a third-party auditkit scorer, installed as its own package.

Installing this package (``pip install ./examples/plugin``) makes ``tunkrank`` appear in
``auditkit scorers`` and in every audit, without touching auditkit: the entry point in this
package's ``pyproject.toml`` is all it takes.
"""

from __future__ import annotations

import numpy as np
import pydantic

from auditkit import Params, Scorer, Statement, World, hookimpl, statement_items


class TunkRank(Scorer):
    """TunkRank: the expected number of people who read a post, counting retweets.

    .. math:: I(X) = \\sum_{Y \\in followers(X)} \\frac{1 + p \\cdot I(Y)}{|following(Y)|}

    ``p`` is the probability that a reader retweets. Solved by fixed-point iteration, then
    mapped to 0-100 by ``100 * ln(1 + I) / ln(1 + I_max)``.

    References
    ----------
    .. [1] D. Tunkelang, "A Twitter Analog to PageRank", The Noisy Channel (blog), 2009.
    """

    id = "tunkrank"
    version = "1.0"
    name = "TunkRank (example plugin)"
    range = (0.0, 100.0)
    description = (
        "Expected readers of a post: each follower reads it with probability "
        "1/|following| and retweets with probability p; scaled by log to 0-100."
    )
    references = ("Tunkelang. A Twitter Analog to PageRank. The Noisy Channel, 2009.",)
    tags = frozenset({"follows"})

    class Params(Params):
        retweet_probability: float = pydantic.Field(0.05, ge=0, lt=1)
        iterations: int = pydantic.Field(50, ge=1, le=1000)

    def influence(self, world: World, at=None) -> np.ndarray:
        t = world.resolve_at(at)
        w = world if t is None else world.as_of(t)
        src, dst = w.follow_codes
        share = 1.0 / np.maximum(w.out_degree[src], 1)
        value = np.zeros(len(w))
        for _ in range(self.params.iterations):
            value = np.bincount(
                dst,
                weights=share * (1 + self.params.retweet_probability * value[src]),
                minlength=len(w),
            )
        return value

    def _scale(self, value: np.ndarray) -> np.ndarray:
        top = np.log1p(value.max()) if len(value) else 0.0
        return np.zeros(len(value)) if top <= 0 else 100.0 * np.log1p(value) / top

    def score(self, world, at=None):
        return world.series(self._scale(self.influence(world, at)), name=self.id)

    def explain(self, world, account, at=None):
        code = world.code_of(account)
        value = self.influence(world, at)
        s = float(self._scale(value)[code])
        items = statement_items(
            [("expected readers", float(value[code]), s, "100*ln(1+I)/ln(1+I_max)")]
        )
        return Statement(self.id, account, s, items, world.resolve_at(at))


@hookimpl
def register_scorers(register):
    register(TunkRank)
