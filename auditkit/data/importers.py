"""Loaders that turn public social data sets (and your own exports) into auditkit worlds.

Each loader reads one source layout, validates it (a mistake names the file, the line and the
column) and returns an :class:`Imported`: the :class:`~auditkit.data.world.World` and notes on what
was dropped or assumed. ``auditkit import FORMAT SOURCE -o WORLD_DIR`` writes the world
atomically with :meth:`World.write`. Formats (``docs/importing.md`` has the details):

``caverlee2011``
    Lee, Eoff, Caverlee, "Seven Months with the Devils", ICWSM 2011: ``content_polluters.txt``
    (label ``bot``) and ``legitimate_users.txt`` (label ``human``); profile counts, no edges.
``cresci2015``
    Cresci et al., "Fame for sale", DSS 80, 2015: ``count_master_ds1.csv`` (labels ``human`` /
    ``fake`` and counts) and optionally ``timelines.csv.gz`` (posts, retweets and mentions).
``higgs``
    SNAP Higgs Twitter (De Domenico et al., Sci. Rep. 3:2980, 2013):
    ``higgs-activity_time.txt.gz``, RT/MT/RE -> share/mention/reply.
``influence-propagation``
    Li, Xie, Farajtabar, Song, arXiv:1603.08981: ``tweets/<handle>.txt`` star networks.
``edgelist``
    ``follower followee [time]`` lines, whitespace or comma separated.
``activity``
    a CSV with a header ``time,actor,action[,target]``.
"""

from __future__ import annotations

import csv
import gzip
import io
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from auditkit.data.tables import unreadable
from auditkit.data.times import parse_time
from auditkit.data.world import ACTIONS, Locator, World
from auditkit.errors import WorldError

__all__ = ["FORMATS", "Imported", "import_world"]

SHARE, REPLY, MENTION, POST = (ACTIONS.index(a) for a in ("share", "reply", "mention", "post"))
#: Rows read per chunk from large files (bounded memory).
CHUNK_ROWS = 500_000


@dataclass
class Imported:
    """A world read from a source, with notes on what the loader dropped or assumed."""

    world: World
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# shared helpers


def _file(root: Path, name: str, what: str) -> Path:
    path = root / name
    if not path.is_file():
        raise WorldError(
            f"{name} not found in {str(root)!r}; the {what} format needs it "
            "(see docs/importing.md for the expected layout)"
        )
    return path


def _dir(source: str | Path, fmt: str) -> Path:
    root = Path(source)
    if not root.is_dir():
        raise WorldError(
            f"{str(root)!r} is not a directory; the {fmt} format reads a "
            "directory (see docs/importing.md)"
        )
    return root


def _bad(path: Path, line: int, column: str, message: str) -> WorldError:
    return WorldError(message, source=str(path), row=line, column=column)


def _read_text_table(
    path: Path,
    names: list[str],
    *,
    sep: str,
    header: bool,
    limit: int | None,
    chunksize: int | None = None,
):
    """``pd.read_csv`` of a text table with every column as text and blank lines kept (so the
    row index maps to the line number); a parser error names the file and the line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path,
                sep=sep,
                header=0 if header else None,
                names=names,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                nrows=limit,
                chunksize=chunksize,
                index_col=False,
                quoting=csv.QUOTE_MINIMAL,
                engine="c",
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise _malformed(path, names, exc) from None
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise unreadable(path, exc, header=header) from None


def _malformed(path: Path, names: list[str], exc: Exception) -> WorldError:
    return WorldError(
        f"malformed line: {exc}; every line needs {len(names)} fields ({', '.join(names)})",
        source=str(path),
    )


def _chunks(reader, path: Path, names: list[str]) -> Iterator[pd.DataFrame]:
    """Iterate a chunked reader, turning parser errors into WorldErrors."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            yield from reader
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise _malformed(path, names, exc) from None
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise unreadable(path, exc, header=False) from None


def _lines(frame: pd.DataFrame, first: int) -> np.ndarray:
    """File line of every row of ``frame``, whose index counts rows from line ``first``."""
    return frame.index.to_numpy(dtype=np.int64) + first


def _drop_blank(frame: pd.DataFrame) -> pd.DataFrame:
    """Blank lines read as all-missing rows; drop them (the index keeps the positions)."""
    blank = frame.isna().all(axis=1).to_numpy()
    return frame[~blank] if blank.any() else frame


def _require(frame: pd.DataFrame, columns: list[str], path: Path, lines: np.ndarray) -> None:
    """Every row has a value in ``columns``; else an error naming the first short line."""
    for col in columns:
        missing = frame[col].isna().to_numpy()
        if missing.any():
            i = int(np.flatnonzero(missing)[0])
            raise _bad(
                path,
                int(lines[i]),
                col,
                f"missing value for {col!r} (a short "
                f"line?); every line needs {len(frame.columns)} fields "
                f"({', '.join(map(str, frame.columns))})",
            )


def _numbers(frame: pd.DataFrame, col: str, path: Path, lines: np.ndarray) -> np.ndarray:
    """A column of non-negative whole numbers; else an error naming the line."""
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _bad(
            path,
            int(lines[i]),
            col,
            f"{col} must be a whole number >= 0, got {frame[col].iloc[i]!r}",
        )
    return values


def _times(
    values: pd.Series,
    path: Path,
    lines: np.ndarray,
    column: str,
    fmt: str | None = None,
    unix: bool = False,
) -> np.ndarray:
    """Times as int64 nanoseconds since the epoch (UTC); else an error naming the line."""
    if unix:
        out = pd.to_numeric(values, errors="coerce")
    else:
        out = pd.to_datetime(values, format=fmt, utc=True, errors="coerce")
    bad = out.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        want = "unix seconds" if unix else f"the format {fmt}"
        raise _bad(
            path, int(lines[i]), column, f"cannot read time {values.iloc[i]!r}; expected {want}"
        )
    # out of 1677-2262 (or unix milliseconds): refused with the line
    where = Locator(str(path), lambda i: int(lines[i]), "line")
    return parse_time(pd.Series(out.to_numpy()), where=where, column=column).array.asi8


def _limit(limit: int | None) -> int | None:
    if limit is not None and limit < 1:
        raise WorldError(f"limit must be at least 1, got {limit}")
    return limit


def _events_world(
    accounts: pd.DataFrame,
    time_ns: np.ndarray,
    actor: np.ndarray,
    action: np.ndarray,
    target: np.ndarray,
    follower: np.ndarray | None = None,
    followee: np.ndarray | None = None,
) -> World:
    """A world from a validated accounts table and event/follow codes (no per-row checks)."""
    acc = World(accounts=accounts).accounts
    extra = {c: acc[c] for c in acc.columns if c != "account"}
    return World.from_codes(
        acc["account"].to_numpy(dtype=object),
        follower=follower if follower is not None and len(follower) else None,
        followee=followee,
        event_time=time_ns.astype("datetime64[ns]") if len(actor) else None,
        actor=actor if len(actor) else None,
        action=action,
        target=target,
        accounts_extra=extra,
    )


# ---------------------------------------------------------------------------------------------
# caverlee-2011


_CAVERLEE_COLUMNS = [
    "account",
    "created",
    "collected",
    "following_count",
    "followers_count",
    "posts_count",
    "screen_name_length",
    "description_length",
]
_CAVERLEE_FILES = (("content_polluters.txt", "bot"), ("legitimate_users.txt", "human"))


def load_caverlee2011(source: str | Path, limit: int | None = None) -> Imported:
    """The social-honeypot profiles: one account per line, labelled by the file it is in.

    Accounts listed in both files (44 in the published data) carry no usable label and are
    dropped, with a note. ``collected`` (the crawl time) is kept as an extra column; it differs
    by class and must not be used as a feature (a label leak).
    """
    root = _dir(source, "caverlee2011")
    frames = []
    for name, label in _CAVERLEE_FILES:
        path = _file(root, name, "caverlee2011")
        frame = _drop_blank(
            _read_text_table(path, _CAVERLEE_COLUMNS, sep="\t", header=False, limit=_limit(limit))
        )
        lines = _lines(frame, 1)
        _require(frame, _CAVERLEE_COLUMNS, path, lines)
        frame = frame.reset_index(drop=True)
        for col in _CAVERLEE_COLUMNS[3:]:
            frame[col] = _numbers(frame, col, path, lines)
        for col in ("created", "collected"):
            ns = _times(frame[col], path, lines, col, "%Y-%m-%d %H:%M:%S")
            frame[col] = pd.to_datetime(ns, utc=True)
        dup = frame["account"].duplicated().to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise _bad(
                path,
                int(lines[i]),
                "account",
                f"account {frame['account'].iloc[i]!r} is listed twice in {name}",
            )
        frame["label"] = label
        frames.append(frame)
    both = np.intersect1d(
        frames[0]["account"].to_numpy(dtype=object), frames[1]["account"].to_numpy(dtype=object)
    )
    notes = []
    if len(both):
        frames = [f[~f["account"].isin(both)] for f in frames]
        notes.append(
            f"dropped {len(both)} accounts listed as both polluter and legitimate "
            f"(e.g. {both[0]}): their label is ambiguous"
        )
    accounts = pd.concat(frames, ignore_index=True)
    cols = [
        "account",
        "created",
        "label",
        "followers_count",
        "following_count",
        "posts_count",
        "collected",
        "screen_name_length",
        "description_length",
    ]
    world = World(accounts=accounts[cols])
    counts = accounts["label"].value_counts()
    notes.append(
        f"{counts.get('bot', 0):,} bot and {counts.get('human', 0):,} human accounts; "
        "no follows or events (the data set has none)"
    )
    return Imported(world, notes)


# ---------------------------------------------------------------------------------------------
# cresci-2015


_CRESCI_LABELS = {
    "legitimate user": "human",
    "content polluter": "fake",
    "human": "human",
    "genuine": "human",
    "fake": "fake",
    "bot": "fake",
}
_CRESCI_MASTER = [
    "uid",
    "NumberOfFollowers",
    "NumberOfFollowing",
    "NumberOfTweets",
    "Label",
    "Screen Name",
]
_TIMELINE = [
    "user_id",
    "label",
    "tweet_id",
    "created_at_utc",
    "is_retweet",
    "retweet_of_screen_name",
    "mentioned_screen_names",
    "n_urls",
]


def _cresci_accounts(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise WorldError(
            "the file is empty; it needs its header line", source=str(path), row=1
        ) from None
    except pd.errors.ParserError as exc:
        raise WorldError(f"malformed CSV: {exc}", source=str(path)) from None
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as exc:
        raise unreadable(path, exc) from None
    missing = [c for c in _CRESCI_MASTER if c not in frame.columns]
    if missing:
        raise WorldError(
            f"missing column {missing[0]!r}; count_master_ds1.csv has the header "
            f"{','.join(_CRESCI_MASTER)},Name",
            source=str(path),
            row=1,
            column=missing[0],
        )
    lines = _lines(frame, 2)  # the header is line 1
    _require(frame[["uid", "Label"]], ["uid", "Label"], path, lines)
    label = frame["Label"].str.strip().str.lower().map(_CRESCI_LABELS)
    if label.isna().any():
        i = int(np.flatnonzero(label.isna().to_numpy())[0])
        raise _bad(
            path,
            int(lines[i]),
            "Label",
            f"unknown label {frame['Label'].iloc[i]!r}; "
            "expected 'Legitimate User' (human) or 'Content Polluter' (fake follower)",
        )
    out = pd.DataFrame({"account": frame["uid"].str.strip(), "label": label})
    for src, dst in (
        ("NumberOfFollowers", "followers_count"),
        ("NumberOfFollowing", "following_count"),
        ("NumberOfTweets", "posts_count"),
    ):
        out[dst] = _numbers(frame, src, path, lines)
    out["screen_name"] = frame["Screen Name"].fillna("")
    dup = out["account"].duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise _bad(
            path, int(lines[i]), "uid", f"account {out['account'].iloc[i]!r} is listed twice"
        )
    return out


def load_cresci2015(source: str | Path, limit: int | None = None) -> Imported:
    """Fake followers and genuine accounts: labels and counts, and (when ``timelines.csv.gz``
    is present) their tweets as events.

    A tweet is a ``post`` of its author, except a retweet of an account inside the data set,
    which is a ``share`` targeting it (screen names resolved through ``count_master_ds1.csv``,
    case-insensitively). Retweets of accounts outside the data set stay posts (the world has no
    account to target). Every distinct account of the data set a tweet mentions (other than
    the author, and other than the retweeted account in a retweet) gets a ``mention`` event.
    ``limit`` caps the timeline rows read. ``Dataset1_Freq_tweets.csv`` is a monthly aggregate
    of the same timelines and is not read.
    """
    root = _dir(source, "cresci2015")
    accounts = _cresci_accounts(_file(root, "count_master_ds1.csv", "cresci2015"))
    notes = []
    timeline = root / "timelines.csv.gz"
    if not timeline.is_file():
        timeline = root / "timelines.csv"
    ids = pd.Index(accounts["account"].to_numpy(dtype=object))
    n = len(ids)
    if not timeline.is_file():
        notes.append("no timelines.csv.gz: accounts and profile counts only, no events")
        world = World(accounts=accounts.drop(columns="screen_name"))
        return Imported(world, notes)
    names = accounts["screen_name"].str.lower()
    by_name = pd.Series(np.arange(n), index=names.to_numpy())
    by_name = by_name[~by_name.index.duplicated() & (by_name.index != "")]
    label_code = accounts["label"].to_numpy()
    parts: dict[str, list[np.ndarray]] = {"t": [], "a": [], "k": [], "g": []}
    mismatched = outside_rt = 0
    reader = _read_text_table(
        timeline, _TIMELINE, sep=",", header=True, limit=_limit(limit), chunksize=CHUNK_ROWS
    )
    rows = 0
    for chunk in _chunks(reader, timeline, _TIMELINE):
        chunk = _drop_blank(chunk)
        lines = _lines(chunk, 2)  # the chunk index counts data rows across chunks
        rows += len(chunk)
        chunk = chunk.reset_index(drop=True)
        _require(chunk, ["user_id", "created_at_utc", "is_retweet"], timeline, lines)
        actor = ids.get_indexer(chunk["user_id"].to_numpy(dtype=object))
        if (actor < 0).any():
            i = int(np.flatnonzero(actor < 0)[0])
            raise _bad(
                timeline,
                int(lines[i]),
                "user_id",
                f"user {chunk['user_id'].iloc[i]!r} is "
                "not in count_master_ds1.csv; use the timelines of the same release",
            )
        when = _times(
            chunk["created_at_utc"], timeline, lines, "created_at_utc", "%Y-%m-%dT%H:%M:%SZ"
        )
        rt = chunk["is_retweet"].to_numpy(dtype=object)
        bad = ~np.isin(rt, ["0", "1"])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _bad(
                timeline, int(lines[i]), "is_retweet", f"is_retweet must be 0 or 1, got {rt[i]!r}"
            )
        is_rt = rt == "1"
        lab = chunk["label"].map({"bot": "fake", "human": "human"}).to_numpy(dtype=object)
        mismatched += int((lab != label_code[actor]).sum())
        rt_name = chunk["retweet_of_screen_name"].fillna("").str.lower()
        rt_target = np.where(
            is_rt, by_name.reindex(rt_name.to_numpy()).fillna(-1).to_numpy(), -1
        ).astype(np.int64)
        share = is_rt & (rt_target >= 0) & (rt_target != actor)
        outside_rt += int((is_rt & (rt_target < 0)).sum())
        parts["t"].append(when)
        parts["a"].append(actor)
        parts["k"].append(np.where(share, SHARE, POST).astype(np.int8))
        parts["g"].append(np.where(share, rt_target, -1))
        mentioned = chunk["mentioned_screen_names"]
        has = mentioned.notna().to_numpy()
        if has.any():
            m = mentioned[has].str.lower().str.split(";").explode()
            rix = m.index.to_numpy()
            tgt = by_name.reindex(m.to_numpy()).fillna(-1).to_numpy().astype(np.int64)
            keep = (tgt >= 0) & (tgt != actor[rix]) & (tgt != rt_target[rix])
            pairs = pd.DataFrame({"r": rix[keep], "g": tgt[keep]}).drop_duplicates()
            r = pairs["r"].to_numpy()
            parts["t"].append(when[r])
            parts["a"].append(actor[r])
            parts["k"].append(np.full(len(r), MENTION, np.int8))
            parts["g"].append(pairs["g"].to_numpy())
    t, a, k, g = (np.concatenate(parts[x]) if parts[x] else np.zeros(0, np.int64) for x in "takg")
    world = _events_world(
        accounts.drop(columns="screen_name"), t, a.astype(np.int32), k, g.astype(np.int32)
    )
    counts = np.bincount(k, minlength=len(ACTIONS)) if len(k) else np.zeros(len(ACTIONS), int)
    notes.append(
        f"{rows:,} timeline rows -> {counts[POST]:,} posts, {counts[SHARE]:,} shares "
        f"and {counts[MENTION]:,} mentions inside the data set; {outside_rt:,} "
        "retweets of outside accounts kept as posts"
    )
    if mismatched:
        notes.append(
            f"{mismatched:,} timeline rows carry a label other than the account's in "
            "count_master_ds1.csv; the count_master label was used"
        )
    return Imported(world, notes)


# ---------------------------------------------------------------------------------------------
# SNAP Higgs


_HIGGS = ["actor", "target", "time", "interaction"]
_HIGGS_ACTIONS = {"RT": SHARE, "MT": MENTION, "RE": REPLY}


def load_higgs(source: str | Path, limit: int | None = None) -> Imported:
    """Retweets, mentions and replies of the Higgs announcement week: ``A B unix_time RT|MT|RE``
    -> a share, mention or reply by A targeting B. Accounts are the ids that appear (anonymous,
    no labels, no counts). ``source`` is the directory or the ``.txt.gz`` file itself; ``limit``
    caps the rows read.
    """
    path = Path(source)
    if path.is_dir():
        path = _file(path, "higgs-activity_time.txt.gz", "higgs")
    elif not path.is_file():
        raise WorldError(
            f"{str(path)!r} does not exist; give the directory holding "
            "higgs-activity_time.txt.gz or the file itself"
        )
    reader = _read_text_table(
        path, _HIGGS, sep=" ", header=False, limit=_limit(limit), chunksize=CHUNK_ROWS
    )
    actors, targets, times, kinds = [], [], [], []
    for chunk in _chunks(reader, path, _HIGGS):
        chunk = _drop_blank(chunk)
        lines = _lines(chunk, 1)
        chunk = chunk.reset_index(drop=True)
        _require(chunk, _HIGGS, path, lines)
        kind = chunk["interaction"].map(_HIGGS_ACTIONS)
        if kind.isna().any():
            i = int(np.flatnonzero(kind.isna().to_numpy())[0])
            raise _bad(
                path,
                int(lines[i]),
                "interaction",
                f"unknown interaction {chunk['interaction'].iloc[i]!r}; expected RT, MT or RE",
            )
        times.append(_times(chunk["time"], path, lines, "time", unix=True))
        actors.append(chunk["actor"].to_numpy(dtype=object))
        targets.append(chunk["target"].to_numpy(dtype=object))
        kinds.append(kind.to_numpy(dtype=np.int8))
    if not actors:
        raise WorldError("no rows; the file is empty", source=str(path))
    actor_ids = np.concatenate(actors)
    target_ids = np.concatenate(targets)
    codes, ids = pd.factorize(np.concatenate([actor_ids, target_ids]))
    m = len(actor_ids)
    world = _events_world(
        pd.DataFrame({"account": ids.astype(str)}),
        np.concatenate(times),
        codes[:m].astype(np.int32),
        np.concatenate(kinds),
        codes[m:].astype(np.int32),
    )
    k = world.event_codes[1]
    return Imported(
        world,
        [
            f"{m:,} rows -> {(k == SHARE).sum():,} shares, {(k == MENTION).sum():,} mentions, "
            f"{(k == REPLY).sum():,} replies among {len(ids):,} accounts; no follows, labels or "
            "profile counts (the follower graph is not part of this file)"
        ],
    )


# ---------------------------------------------------------------------------------------------
# influence propagation


_INFLUENCE = ["time", "node", "is_retweet_of_celebrity"]


def load_influence_propagation(source: str | Path, limit: int | None = None) -> Imported:
    """78 star networks: a celebrity (node 1) and 50 recent retweeters (nodes 2..51).

    Accounts are ``<handle>:<node>`` (the handle as the file name spells it, e.g.
    ``nasa:1``), with ``group`` = the handle and label
    ``celebrity`` for node 1. Every retweeter gets a follow edge to its celebrity (the data
    set's "pseudo-followers": recent retweeters, not crawled follows; no time). A tweet is a
    ``share`` targeting the celebrity when it is a retweet of it, else a ``post``. ``limit``
    caps the rows read per network.
    """
    root = _dir(source, "influence-propagation")
    tweets = root / "tweets" if (root / "tweets").is_dir() else root
    files = sorted(tweets.glob("*.txt"))
    if not files:
        raise WorldError(
            f"no <handle>.txt files in {str(tweets)!r}; the "
            "influence-propagation format reads tweets/<handle>.txt"
        )
    accounts: list[str] = []
    groups: list[str] = []
    labels: list[str | None] = []
    t_parts, a_parts, k_parts, g_parts, f_src, f_dst = [], [], [], [], [], []
    for path in files:
        frame = _read_text_table(path, _INFLUENCE, sep=",", header=False, limit=_limit(limit))
        frame = _drop_blank(frame)
        lines = _lines(frame, 1)
        frame = frame.reset_index(drop=True)
        for col in _INFLUENCE:
            miss = frame[col].isna().to_numpy()
            if miss.any():
                i = int(np.flatnonzero(miss)[0])
                raise _bad(
                    path,
                    int(lines[i]),
                    col,
                    f"missing value for {col!r}; every line "
                    "is unix_time,node_id,is_retweet_of_celebrity",
                )
        node = pd.to_numeric(frame["node"], errors="coerce").to_numpy()
        bad = ~np.isin(node, np.arange(1, 52))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _bad(
                path,
                int(lines[i]),
                "node_id",
                f"node id must be 1..51 (1 = the celebrity), got {frame['node'].iloc[i]!r}",
            )
        flag = frame["is_retweet_of_celebrity"].to_numpy(dtype=object)
        bad = ~np.isin(flag, ["0", "1"])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _bad(
                path, int(lines[i]), "is_retweet_of_celebrity", f"must be 0 or 1, got {flag[i]!r}"
            )
        ns = _times(frame["time"], path, lines, "time", unix=True)
        handle = path.stem
        first = len(accounts)
        present = np.union1d(np.unique(node.astype(np.int64)), [1])
        local = np.full(52, -1, np.int64)
        local[present] = first + np.arange(len(present))
        accounts.extend(f"{handle}:{x}" for x in present)
        groups.extend([handle] * len(present))
        labels.extend("celebrity" if x == 1 else None for x in present)
        codes = local[node.astype(np.int64)]
        share = (flag == "1") & (node != 1)
        t_parts.append(ns)
        a_parts.append(codes)
        k_parts.append(np.where(share, SHARE, POST).astype(np.int8))
        g_parts.append(np.where(share, local[1], -1))
        fans = local[present[present != 1]]
        f_src.append(fans)
        f_dst.append(np.full(len(fans), local[1]))
    acc = pd.DataFrame({"account": accounts, "label": labels, "group": groups})
    world = _events_world(
        acc,
        np.concatenate(t_parts),
        np.concatenate(a_parts).astype(np.int32),
        np.concatenate(k_parts),
        np.concatenate(g_parts).astype(np.int32),
        np.concatenate(f_src),
        np.concatenate(f_dst),
    )
    k = world.event_codes[1]
    return Imported(
        world,
        [
            f"{len(files)} networks, {len(accounts):,} accounts, {len(k):,} tweets -> "
            f"{(k == SHARE).sum():,} retweets of the celebrity (shares) and {(k == POST).sum():,} "
            f"posts; {len(world.follows):,} pseudo-follows (retweeter -> celebrity, untimed)"
        ],
    )


# ---------------------------------------------------------------------------------------------
# generic edge lists and activity logs


def _open_text(path: Path):
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")  # noqa: SIM115 - closed by the caller's with


def load_edgelist(source: str | Path, limit: int | None = None) -> Imported:
    """A follow graph: one ``follower followee [time]`` per line, separated by whitespace or
    commas (``.gz`` allowed). ``#`` starts a comment; an optional header line
    ``follower,followee[,time]`` is skipped. Times are unix seconds or ISO-8601. A pair listed
    twice keeps its earliest time; a self-follow is an error.
    """
    path = Path(source)
    if not path.is_file():
        raise WorldError(f"{str(path)!r} is not a file; give the edge list file")
    limit = _limit(limit)
    src: list[str] = []
    dst: list[str] = []
    when: list[str | None] = []
    lines: list[int] = []
    width = None
    try:
        with _open_text(path) as fh:
            for number, raw in enumerate(fh, start=1):
                text = raw.split("#", 1)[0].strip()
                if not text:
                    continue
                fields = [f.strip() for f in text.split(",")] if "," in text else text.split()
                if not lines and [f.lower() for f in fields[:2]] == ["follower", "followee"]:
                    continue
                if len(fields) not in (2, 3):
                    raise _bad(
                        path,
                        number,
                        "followee" if len(fields) < 2 else "time",
                        f"expected 'follower followee [time]', got {len(fields)} "
                        f"field(s): {text[:80]!r}",
                    )
                if width is None:
                    width = len(fields)
                elif len(fields) != width:
                    raise _bad(
                        path,
                        number,
                        "time",
                        f"this line has {len(fields)} fields but "
                        f"the first edge has {width}; give every edge a time or none",
                    )
                if fields[0] == fields[1]:
                    raise _bad(
                        path,
                        number,
                        "followee",
                        f"account {fields[0]!r} follows itself; remove the line",
                    )
                src.append(fields[0])
                dst.append(fields[1])
                when.append(fields[2] if len(fields) == 3 else None)
                lines.append(number)
                if limit and len(lines) >= limit:
                    break
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise unreadable(path, exc, header=False) from None
    if not lines:
        raise WorldError("no edges; expected lines 'follower followee [time]'", source=str(path))
    follows = pd.DataFrame({"follower": src, "followee": dst})
    notes = []
    if width == 3:
        raw = pd.Series(when, dtype=object)
        follows["time"] = parse_time(
            raw, where=Locator(str(path), lambda i: lines[i], "line"), column="time"
        )
        follows = follows.sort_values("time", kind="stable")
    dup = follows.duplicated(["follower", "followee"])
    if dup.any():
        notes.append(
            f"{int(dup.sum()):,} repeated follower/followee pairs merged (earliest time kept)"
        )
        follows = follows[~dup]
    world = World(follows=follows.reset_index(drop=True))
    notes.append(
        f"{len(world):,} accounts, {len(world.follows):,} follows"
        + ("" if width == 3 else "; no times (a timeless graph)")
    )
    return Imported(world, notes)


#: Action names accepted by the activity loader besides auditkit's own.
ACTION_ALIASES = {
    "retweet": "share",
    "rt": "share",
    "repost": "share",
    "mt": "mention",
    "re": "reply",
    "tweet": "post",
    "favorite": "like",
    "favourite": "like",
}


def load_activity(source: str | Path, limit: int | None = None) -> Imported:
    """An activity log: a CSV with a header naming ``time``, ``actor``, ``action`` and
    optionally ``target`` (and ``post``, ``network``, ``link``). Actions are auditkit's (post,
    share, reply, mention, like) or common aliases (retweet/RT -> share, MT -> mention, RE ->
    reply, tweet -> post, favorite -> like), case-insensitive. Accounts are the ids that appear.
    """
    path = Path(source)
    if not path.is_file():
        raise WorldError(f"{str(path)!r} is not a file; give the activity CSV")
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=[""], nrows=_limit(limit)
        )
    except pd.errors.EmptyDataError:
        raise WorldError(
            "the file is empty; it needs a header line naming time, actor, action",
            source=str(path),
            row=1,
        ) from None
    except pd.errors.ParserError as exc:
        raise WorldError(f"malformed CSV: {exc}", source=str(path)) from None
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as exc:
        raise unreadable(path, exc) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    required = ["time", "actor", "action"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise WorldError(
            f"missing column {missing[0]!r}; the header must name time, actor, "
            f"action and optionally target (got {', '.join(frame.columns)})",
            source=str(path),
            row=1,
            column=missing[0],
        )
    allowed = ["time", "actor", "action", "target", "post", "network", "link"]
    extra = [c for c in frame.columns if c not in allowed]
    if extra:
        raise WorldError(
            f"unknown column {extra[0]!r}; allowed: {', '.join(allowed)}",
            source=str(path),
            row=1,
            column=extra[0],
        )
    action = frame["action"].str.strip().str.lower()
    frame["action"] = action.map(lambda a: ACTION_ALIASES.get(a, a) if isinstance(a, str) else a)
    where = Locator(str(path), lambda i: i + 2, "line")
    world = World(events=frame, _where={"events": where})
    k = world.event_codes[1]
    counts = ", ".join(
        f"{int((k == i).sum()):,} {a}" for i, a in enumerate(ACTIONS) if (k == i).any()
    )
    return Imported(world, [f"{len(world):,} accounts, {len(k):,} events ({counts})"])


#: Format name -> loader(source, limit).
FORMATS: dict[str, Callable[..., Imported]] = {
    "caverlee2011": load_caverlee2011,
    "cresci2015": load_cresci2015,
    "higgs": load_higgs,
    "influence-propagation": load_influence_propagation,
    "edgelist": load_edgelist,
    "activity": load_activity,
}


def import_world(fmt: str, source: str | Path, *, limit: int | None = None) -> Imported:
    """Read ``source`` in format ``fmt`` (see :data:`FORMATS`)."""
    try:
        loader = FORMATS[fmt]
    except KeyError:
        raise WorldError(
            f"unknown import format {fmt!r}; use one of {', '.join(FORMATS)}"
        ) from None
    return loader(source, limit)
