"""The oracle: each account scored by its ground-truth expected spread, the best any score could
do on a simulated world.

How it gets the truth, and why no other scorer can: the truth is never in a
:class:`~auditkit.data.world.World` (no column, no attribute), so reading the world cannot reveal
it. The oracle subclasses :class:`~auditkit.plugin.scorer.TruthScorer`; a scenario run hands the
truth of the world being scored to :meth:`TruthScorer.score_truth` of such a scorer, and to no
other (:meth:`auditkit.scenario.run.ScenarioRun.scores`). Scoring a world on its own
(``auditkit score``) or a real world raises an error: there is no truth to read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit import World, hookimpl
from auditkit.plugin.scorer import TruthScorer

__all__ = ["Oracle"]


class Oracle(TruthScorer):
    """The expected number of accounts one post of the account reaches by resharing, as the
    simulation knows it (:func:`auditkit.data.truth.expected_spread`: an independent cascade on
    the reshare probabilities of the attentive follow edges, Kempe, Kleinberg and Tardos, KDD
    2003).

    Notes
    -----
    The truth is the expected spread *at the end of the period*, from the accounts' hidden
    traits and their attentive followers; it does not depend on ``at``, on activity within the
    period, or on one realised cascade. So the oracle is blind to silences (F4), to volume
    (F2), to reactions traded or borrowed (F5, F6) and to a realised cascade (F12): on those
    checks it reads ``blind``, which says what the truth is about, not that the checks are
    wrong. It is the reference for reach: where it *fails* a check, the check (or the truth) is
    wrong (docs/verdicts.md).
    """

    id = "oracle"
    version = "1.0"
    name = "Oracle (ground-truth expected spread)"
    range = (0.0, 1e12)
    description = (
        "Reference scorer for simulated worlds: each account's ground-truth expected "
        "spread (accounts one post reaches by resharing). Never audited by default; "
        "auditkit audit --controls adds it."
    )
    references = (
        "Kempe, Kleinberg, Tardos. Maximizing the Spread of Influence through a "
        "Social Network. KDD 2003.",
    )

    def score_truth(self, world: World, truth: np.ndarray, at: object = None) -> pd.Series:
        return world.series(np.asarray(truth, np.float64), name=self.id)


@hookimpl
def register_scorers(register):
    register(Oracle)
