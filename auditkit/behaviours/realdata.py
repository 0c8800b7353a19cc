"""Cohorts of existing accounts of a real base world: selections, not manipulations.

They add no account and change nothing, so the simulation draws no organic follows and a
counts-only world stays counts-only (``docs/real-data.md``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from auditkit.data.draft import Draft
from auditkit.plugin.behaviour import Behaviour, Cohort
from auditkit.plugin.footprint import Footprint, Setting
from auditkit.plugin.params import Params as PluginParams

__all__ = ["Labelled", "WentSilent", "silence_day"]


class Labelled(Behaviour):
    id = "labelled"
    description = (
        "Existing accounts of a real base world whose label is one of `labels` (e.g. bot, "
        "fake). Adds no account and changes nothing: it names a group for probes such as "
        "auc, top_share and cohort_percentile."
    )
    source = "docs/real-data.md"

    class Params(PluginParams):
        labels: list[str] = Field(min_length=1, description="labels of the members")

    params: Labelled.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        return Footprint()  # a selection of existing accounts

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        labels = draft.column("label")
        base = draft.column("role") == "base"
        # compare as objects: astype(str) would pad every label to the longest one
        wanted = pd.Series(labels, dtype=object).isin(self.params.labels).to_numpy()
        cohort.members = np.flatnonzero(base & wanted)
        cohort.facts.update(labels=list(self.params.labels))


def silence_day(days: float) -> float:
    """Default start of the observed silence: 30 days before the end, or the middle of a
    shorter world, rounded to a whole day."""
    return float(round(days - min(30.0, days / 2)))


class WentSilent(Behaviour):
    id = "went_silent"
    flaws = ("F4",)
    description = (
        "Existing accounts of a real base world that acted (posted or reacted) at least "
        "min_events times before `day` and never from `day` to the end of the data; with "
        "still_active: true, those that acted both before and after instead (the comparison "
        "group). Adds no account and changes nothing: an observational selection for the "
        "observed_decay probe."
    )
    source = "docs/real-data.md (observed decay)"

    class Params(PluginParams):
        day: float | None = Field(
            None,
            ge=0,
            description="day the silence starts, from the "
            "start of the world (default: 30 days before the end, or "
            "the middle of a shorter world)",
        )
        min_events: int = Field(3, ge=1, description="actions before the day")
        still_active: bool = Field(False, description="select accounts that kept acting")

    params: WentSilent.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        return Footprint()  # a selection of existing accounts

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = silence_day(draft.days) if p.day is None else min(p.day, draft.days)
        ev = draft.event_arrays()
        actor = np.asarray(ev["actor"], np.int64)
        cut = draft.time_of_day(day)
        before = np.bincount(actor[ev["time"] < cut], minlength=draft.n)
        after = np.bincount(actor[ev["time"] >= cut], minlength=draft.n)
        base = draft.column("role") == "base"
        keep = base & (before >= p.min_events) & ((after > 0) if p.still_active else (after == 0))
        cohort.members = np.flatnonzero(keep)
        cohort.facts.update(day=day, still_active=p.still_active)
