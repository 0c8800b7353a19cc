"""Data sets by name: local copies, the download cache and its checksums; never the network."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from auditkit.data import datasets
from auditkit.data.datasets import DATASETS, Dataset, DatasetError, Remote, fetch, load

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(),
    reason=f"real data sets not found at {DATA} (the ../shared/data directory beside the clone)",
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Only file:// URLs may be opened; anything else fails the test."""
    real = datasets._urlopen
    opened: list[str] = []

    def guarded(url, timeout):
        assert url.startswith("file://"), f"a test tried to download {url}"
        opened.append(url)
        return real(url, timeout)

    monkeypatch.setattr(datasets, "_urlopen", guarded)
    monkeypatch.delenv(datasets.ENV, raising=False)
    return opened


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A data set of one file served from a file:// URL."""
    origin = tmp_path / "origin" / "edges.txt"
    origin.parent.mkdir()
    origin.write_text("a b\nb c\n")
    digest = hashlib.sha256(origin.read_bytes()).hexdigest()
    ds = Dataset(
        "toy",
        "edgelist",
        "toy",
        "nobody",
        "here",
        "none",
        (Remote("edges.txt", digest, origin.as_uri()),),
        entry="edges.txt",
    )
    monkeypatch.setitem(DATASETS, "toy", ds)
    return origin


def test_download_once_into_the_cache_with_checksum(toy, tmp_path, no_network):
    home = tmp_path / "cache"
    root = fetch("toy", data_home=home)
    assert root == home / "toy" and (root / "edges.txt").read_text() == "a b\nb c\n"
    assert len(no_network) == 1
    fetch("toy", data_home=home)
    assert len(no_network) == 1  # cached: not downloaded again
    assert sorted(p.name for p in root.iterdir()) == ["edges.txt"]  # no temporary left


def test_checksum_mismatch_saves_nothing(toy, tmp_path):
    toy.write_text("tampered\n")
    home = tmp_path / "cache"
    with pytest.raises(DatasetError, match=r"checksum mismatch .*Nothing was saved"):
        fetch("toy", data_home=home)
    assert list((home / "toy").iterdir()) == []


def test_verify_detects_a_changed_local_file(toy, tmp_path):
    home = tmp_path / "cache"
    fetch("toy", data_home=home)
    (home / "toy" / "edges.txt").write_text("changed\n")
    fetch("toy", data_home=home)  # present files are trusted by default
    with pytest.raises(DatasetError, match=r"SHA-256 does not match"):
        fetch("toy", data_home=home, verify=True)


def test_missing_without_download_says_where_to_put_it(toy, tmp_path, monkeypatch):
    monkeypatch.setenv(datasets.ENV, str(tmp_path / "nowhere"))
    with pytest.raises(
        DatasetError,
        match=r"edges.txt is missing .*downloading is switched off"
        r".*AUDITKIT_DATA",
    ):
        fetch("toy", download=False)


def test_a_file_without_a_public_url_cannot_be_fetched(tmp_path, monkeypatch):
    ds = Dataset("derived", "edgelist", "t", "c", "o", "n", (Remote("x.txt", "0" * 64, None),))
    monkeypatch.setitem(DATASETS, "derived", ds)
    with pytest.raises(DatasetError, match=r"x.txt is missing .*cannot be downloaded"):
        fetch("derived", data_home=tmp_path)


def test_unknown_name():
    with pytest.raises(DatasetError, match=r"unknown data set 'higgs'; known: caverlee-2011"):
        fetch("higgs")


def test_load_imports_with_the_registered_format(toy, tmp_path):
    world = load("toy", data_home=tmp_path / "cache")
    assert len(world) == 3 and len(world.follows) == 2


def test_data_home_order(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datasets.data_home() == tmp_path / "xdg" / "auditkit"
    monkeypatch.setenv(datasets.ENV, str(tmp_path / "local"))
    assert datasets.data_home() == tmp_path / "local"
    assert datasets.data_home(tmp_path / "given") == tmp_path / "given"


@needs_data
def test_registry_checksums_match_the_shared_copies():
    for name, ds in DATASETS.items():
        sums = {}
        for line in (DATA / name / "SHA256SUMS").read_text().splitlines():
            digest, path = line.split(maxsplit=1)
            sums[path.removeprefix("./")] = digest
        for remote in ds.files:
            assert sums[remote.path] == remote.sha256, (name, remote.path)
            if remote.url is not None:
                assert remote.url.startswith("https://")


@needs_data
def test_auditkit_data_points_at_a_local_copy(monkeypatch, no_network):
    monkeypatch.setenv(datasets.ENV, str(DATA))
    root = fetch("caverlee-2011-social-honeypot", download=False, verify=True)
    assert root == DATA / "caverlee-2011-social-honeypot"
    world = load("caverlee-2011-social-honeypot", download=False)
    assert len(world) == 41_499 - 2 * 44 and not no_network
