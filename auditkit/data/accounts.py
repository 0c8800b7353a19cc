"""What the world format says about accounts beyond the tables: which labels mark automated or
fake accounts, and where follower numbers come from."""

from __future__ import annotations

import numpy as np

from auditkit.data.world import World

__all__ = ["BOT_LABELS", "HUMAN_LABELS", "known_followers"]

#: Labels counted as automated or fake accounts; ``human`` is the genuine class.
BOT_LABELS: tuple[str, ...] = ("bot", "spam", "fake", "sybil")
HUMAN_LABELS: tuple[str, ...] = ("human",)


def known_followers(world: World) -> np.ndarray | None:
    """Followers per account from follow edges, else ``followers_count``; None if unknown."""
    if len(world.follows):
        return world.in_degree.astype(np.float64)
    if "followers_count" in world.accounts and world.accounts["followers_count"].notna().any():
        return world.profile_count("followers_count")
    return None
