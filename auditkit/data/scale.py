"""Synthetic worlds too large to build as a :class:`~auditkit.data.draft.Draft`, written straight
to Parquet: :func:`write_synthetic_world` (10 million accounts, 100 million follows and 100
million events in a few GB of memory).

The model is the organic part of :func:`~auditkit.data.simulation.simulate`
with the traits of :func:`~auditkit.data.synth.add_population`: heavy-tailed attention
(Pareto 1.1), activity (log-normal 1.2) and sociability (Pareto 1.5); Zipf-sized communities;
a follower drawn in proportion to ``sociability * sqrt(activity)``, a followee in proportion to
``attention``, inside the follower's community with probability ``locality``; a share
``reciprocity`` followed back; posts in proportion to activity, uniform over the period;
reactions along follow edges in proportion to ``activity[follower] *
attention[followee] ** 0.5``, to one of the followee's posts, an exponential delay (mean 6 h)
later. Accounts have no cohorts, labels other than ``human``, flags or counts: it is a load
and speed test bed, not a scenario (scenarios use :class:`Draft`).

Everything is drawn in chunks of ``chunk`` rows from named random streams, so memory stays at
a few arrays of the final size (int32 codes, int64 times) and the same arguments give the same
files. Account ids are the integers ``0 .. n-1`` (an int64 Parquet column; auditkit reads
integer ids as their decimal text), which keeps the files compact and the load fast.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np

from auditkit.data.draft import DAY, DEFAULT_START
from auditkit.data.simulation import ATTENTION_EXPONENT, REACTION_MIX
from auditkit.data.world import ACTIONS
from auditkit.errors import WorldError
from auditkit.files import atomic_directory

__all__ = ["write_synthetic_world"]


def _rng(seed: int, *names: str) -> np.random.Generator:
    keys = [zlib.crc32(n.encode()) for n in names]
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def _choice(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn from the normalised cumulative weights ``cdf`` (sorted queries)."""
    picks = np.searchsorted(cdf, np.sort(rng.random(size)), side="right")
    return rng.permutation(np.minimum(picks, len(cdf) - 1)).astype(np.int32)


def _cdf(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=np.float64)
    cdf /= cdf[-1]
    return cdf


def write_synthetic_world(
    path: str | os.PathLike,
    accounts: int,
    follows: int,
    events: int,
    *,
    seed: int = 0,
    days: float = 120.0,
    communities: int = 8,
    locality: float = 0.8,
    reciprocity: float = 0.25,
    post_share: float = 0.35,
    chunk: int = 5_000_000,
    event_files: int = 1,
) -> Path:
    """Write a world directory of ``accounts.parquet``, ``follows.parquet`` and events (see the
    module docstring), atomically.

    ``follows`` and ``events`` are targets: self-follows and duplicates are removed (slightly
    fewer remain). ``event_files > 1`` writes the events as a partitioned dataset
    ``events/part-00000.parquet ...`` split by time, which :func:`auditkit.read_world` reads
    lazily with ``lazy=True``. Row groups hold at most ``chunk`` rows.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = int(accounts)
    if n < 2:
        raise WorldError(f"a synthetic world needs at least 2 accounts, got {n}")
    t0 = DEFAULT_START.value // 10**9
    rng = _rng(seed, "population")
    attention = rng.pareto(1.1, n) + 1.0
    activity = rng.lognormal(0.0, 1.2, n)
    sociability = rng.pareto(1.5, n) + 1.0
    group = _choice(rng, _cdf(1.0 / np.arange(1, communities + 1)), n).astype(np.int16)
    created = np.floor(t0 - rng.uniform(0, 5 * 365 * DAY, n)).astype(np.int64)

    with atomic_directory(path) as tmp:
        names = pa.array([f"c{g}" for g in range(communities)]).dictionary_encode().dictionary
        acc = pa.table(
            {
                "account": pa.array(np.arange(n, dtype=np.int64)),
                "created": pa.array(created * 10**9, pa.timestamp("ns", tz="UTC")),
                "label": pa.DictionaryArray.from_arrays(
                    pa.array(np.zeros(n, np.int8)), pa.array(["human"])
                ),
                "group": pa.DictionaryArray.from_arrays(pa.array(group.astype(np.int8)), names),
            }
        )
        pq.write_table(acc, tmp / "accounts.parquet", row_group_size=chunk)
        del acc

        src, dst = _draw_follows(
            seed,
            n,
            int(follows),
            group,
            attention,
            sociability * np.sqrt(activity),
            locality,
            reciprocity,
            chunk,
        )
        born = np.maximum(created[src], created[dst])
        # organic follows are in place when the period starts (as the simulation has them)
        ftime = np.minimum(
            born + _rng(seed, "follow-time").uniform(0, 30 * DAY, len(src)), t0 - 1
        ).astype(np.int64)
        del born
        with pq.ParquetWriter(
            tmp / "follows.parquet",
            pa.schema(
                [
                    ("follower", pa.int64()),
                    ("followee", pa.int64()),
                    ("time", pa.timestamp("ns", tz="UTC")),
                ]
            ),
        ) as writer:
            for lo in range(0, len(src), chunk):
                hi = lo + chunk
                writer.write_table(
                    pa.table(
                        {
                            "follower": pa.array(src[lo:hi].astype(np.int64)),
                            "followee": pa.array(dst[lo:hi].astype(np.int64)),
                            "time": pa.array(ftime[lo:hi] * 10**9, pa.timestamp("ns", tz="UTC")),
                        }
                    )
                )
        del ftime

        ev = _draw_events(
            seed,
            n,
            int(events),
            src,
            dst,
            attention,
            activity,
            created,
            t0,
            days,
            post_share,
            chunk,
        )
        del src, dst
        _write_events(ev, tmp, chunk, event_files)
    return Path(path)


def _draw_follows(
    seed: int,
    n: int,
    m: int,
    group: np.ndarray,
    attention: np.ndarray,
    out_weight: np.ndarray,
    locality: float,
    reciprocity: float,
    chunk: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct follow edges (int32 codes) sorted by (follower, followee)."""
    rng = _rng(seed, "follows")
    out_cdf = _cdf(out_weight)
    all_cdf = _cdf(attention)
    members = [np.flatnonzero(group == g).astype(np.int32) for g in range(int(group.max()) + 1)]
    member_cdf = [_cdf(attention[ms]) if len(ms) else np.zeros(0) for ms in members]
    base = int(m / (1.0 + reciprocity) * 1.08) + 8
    keys = []
    for lo in range(0, base, chunk):
        k = min(chunk, base - lo)
        follower = _choice(rng, out_cdf, k)
        followee = _choice(rng, all_cdf, k)
        local = rng.random(k) < locality
        g_of = group[follower]
        for g, ms in enumerate(members):
            pick = np.flatnonzero(local & (g_of == g))
            if len(pick) and len(member_cdf[g]):
                followee[pick] = ms[_choice(rng, member_cdf[g], len(pick))]
        back = rng.random(k) < reciprocity
        s = np.concatenate([follower, followee[back]]).astype(np.int64)
        d = np.concatenate([followee, follower[back]]).astype(np.int64)
        keep = s != d
        keys.append(np.unique(s[keep] * n + d[keep]))
    key = np.unique(np.concatenate(keys))
    del keys
    if len(key) > m:
        key = np.sort(rng.choice(key, size=m, replace=False))
    return (key // n).astype(np.int32), (key % n).astype(np.int32)


def _draw_events(
    seed: int,
    n: int,
    count: int,
    src: np.ndarray,
    dst: np.ndarray,
    attention: np.ndarray,
    activity: np.ndarray,
    created: np.ndarray,
    t0: int,
    days: float,
    post_share: float,
    chunk: int,
) -> dict[str, np.ndarray]:
    """Posts and reactions as arrays sorted by time (unix seconds)."""
    rng = _rng(seed, "events")
    n_posts = int(count * post_share)
    author = np.sort(_choice(rng, _cdf(activity), n_posts))
    post_time = np.floor(t0 + rng.uniform(0, days * DAY, n_posts)).astype(np.int64)
    first = np.searchsorted(author, np.arange(n)).astype(np.int64)
    per_author = np.bincount(author, minlength=n)
    n_react = count - n_posts
    weight = np.empty(len(src))
    for lo in range(0, len(src), chunk):
        s, d = src[lo : lo + chunk], dst[lo : lo + chunk]
        weight[lo : lo + chunk] = (
            activity[s] * attention[d] ** ATTENTION_EXPONENT * (per_author[d] > 0)
        )
    edge_cdf = _cdf(weight)
    del weight
    kinds = np.array([ACTIONS.index(k) for k in REACTION_MIX], np.int8)
    kind_cdf = _cdf(np.array(list(REACTION_MIX.values())))
    t_end = t0 + days * DAY
    parts: dict[str, list[np.ndarray]] = {
        "time": [],
        "actor": [],
        "action": [],
        "target": [],
        "post": [],
    }
    for lo in range(0, n_react, chunk):
        k = min(chunk, n_react - lo)
        edge = _choice(rng, edge_cdf, k)
        reactor, authored = src[edge], dst[edge].astype(np.int64)
        which = first[authored] + (rng.random(k) * per_author[authored]).astype(np.int64)
        when = np.floor(
            np.minimum(post_time[which] + rng.exponential(6 * 3600.0, k), t_end - 1)
        ).astype(np.int64)
        parts["time"].append(when)
        parts["actor"].append(reactor)
        parts["action"].append(kinds[_choice(rng, kind_cdf, k)])
        parts["target"].append(authored.astype(np.int32))
        parts["post"].append(which.astype(np.int32))
    ev = {
        "time": np.concatenate([post_time, *parts["time"]]),
        "actor": np.concatenate([author, *parts["actor"]]).astype(np.int32),
        "action": np.concatenate([np.zeros(n_posts, np.int8), *parts["action"]]),
        "target": np.concatenate([np.full(n_posts, -1, np.int32), *parts["target"]]),
        "post": np.concatenate([np.arange(n_posts, dtype=np.int32), *parts["post"]]),
    }
    del parts
    # nobody acts, or is acted on, before the account exists (as Draft.build)
    keep = ev["time"] >= created[ev["actor"]]
    keep &= (ev["target"] < 0) | (ev["time"] >= created[np.maximum(ev["target"], 0)])
    order = np.flatnonzero(keep)
    order = order[np.argsort(ev["time"][order], kind="stable")]
    return {k: v[order] for k, v in ev.items()}


def _write_events(ev: dict[str, np.ndarray], root: Path, chunk: int, files: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("time", pa.timestamp("ns", tz="UTC")),
            ("actor", pa.int64()),
            ("action", pa.dictionary(pa.int8(), pa.string())),
            ("target", pa.int64()),
            ("post", pa.int64()),
        ]
    )
    actions = pa.array(list(ACTIONS))
    total = len(ev["time"])
    if files > 1:
        (root / "events").mkdir()
        bounds = np.linspace(0, total, files + 1).astype(np.int64)
        targets = [root / "events" / f"part-{i:05d}.parquet" for i in range(files)]
    else:
        bounds = np.array([0, total])
        targets = [root / "events.parquet"]
    for target_file, a, b in zip(targets, bounds[:-1], bounds[1:], strict=True):
        with pq.ParquetWriter(target_file, schema) as writer:
            for lo in range(int(a), int(b), chunk):
                hi = min(lo + chunk, int(b))
                tgt = ev["target"][lo:hi]
                writer.write_table(
                    pa.table(
                        {
                            "time": pa.array(
                                ev["time"][lo:hi] * 10**9, pa.timestamp("ns", tz="UTC")
                            ),
                            "actor": pa.array(ev["actor"][lo:hi].astype(np.int64)),
                            "action": pa.DictionaryArray.from_arrays(
                                pa.array(ev["action"][lo:hi]), actions
                            ),
                            "target": pa.array(tgt.astype(np.int64), mask=tgt < 0),
                            "post": pa.array(ev["post"][lo:hi].astype(np.int64)),
                        },
                        schema=schema,
                    )
                )
