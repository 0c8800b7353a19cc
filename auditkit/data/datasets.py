"""Public data sets by name, in the style of scikit-learn's ``fetch_*`` functions.

``fetch(name)`` returns the directory holding a data set's files: a local copy when
``AUDITKIT_DATA`` (or ``data_home``) points at a directory laid out like ``../shared/data``
(one sub-directory per data set), else the cache ``~/.cache/auditkit`` (``$XDG_CACHE_HOME``
respected), where missing files are downloaded once from their public origin. Every download
is checked against the SHA-256 recorded here and renamed into place only when it matches, so
an interrupted or altered download never looks like data. ``load(name)`` imports the files
with :mod:`auditkit.data.importers`.

auditkit ships no third-party data: the files stay wherever you keep them, under their
owners' terms (each entry's ``citation`` and ``terms``; docs/real-data.md).
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from auditkit.data.world import World
from auditkit.errors import AuditkitError
from auditkit.files import atomic_file

__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetError",
    "Remote",
    "data_home",
    "fetch",
    "load",
    "sha256_of",
]

#: Environment variable naming a local directory of data sets (one sub-directory each).
ENV = "AUDITKIT_DATA"
#: Bytes read per step when hashing or downloading.
BLOCK = 1 << 20


class DatasetError(AuditkitError):
    """A data set is unknown, missing, or a download failed or did not match its checksum."""


@dataclass(frozen=True)
class Remote:
    """One file of a data set: where it goes, its SHA-256, and where to download it from
    (``None``: it cannot be downloaded, e.g. a file derived by a mirror's maintainer)."""

    path: str
    sha256: str
    url: str | None
    required: bool = True


@dataclass(frozen=True)
class Dataset:
    """A known public data set and how to import it."""

    name: str
    format: str
    title: str
    citation: str
    origin: str
    terms: str
    files: tuple[Remote, ...]
    #: what the importer reads, relative to the data set's directory ("": the directory)
    entry: str = ""


_CAVERLEE_RAW = (
    "https://raw.githubusercontent.com/venkyever/CS7641-assignments/"
    "eafeaf2fd4791beb1f042211dc0be689866bd07e/data/social_honeypot/"
)
_CRESCI_RAW = (
    "https://raw.githubusercontent.com/Mowghli/Twitter-Spambot-Visual-Analysis-"
    "Toolkit/9559381f476b87f13d61201c24bcab4a2e73a564/data/processed/Dataset_1/"
)
_INFLUENCE_RAW = (
    "https://raw.githubusercontent.com/dapurv5/twitter-influence-propagation-"
    "dataset/7d3d893163f90c5aff461585161ae5651957e882/"
)
_INFLUENCE_SUMS = """\
77db2e88516ee631ce07077e9688f270b8290ba4251c2ecde15535f98114cd43 EVENTS.tsv
51191d857e55ff6c11ee589d30397e3029b47c825d7be03bc9aff02771b72c70 tweets/AmericanIdol.txt
63a4975f7e30d5d11d83c4d505dab36204c5a8fda89762d8de7b321fed1820ec tweets/BenSimmons25.txt
dc5732a49d74a47d4cd4aff1ad1a22015318c907ca5f7498a98d50fc0828a610 tweets/BernieSanders.txt
66e04373e9fcfd36c38b8534cc193df33a5513c01a867611b5b464dec23f28f4 tweets/Broncos.txt
caf6b0145f16d7c166d4f46d75b03364727336d3b96a33bd346a1f9ab79bed5c tweets/Cristiano.txt
1b60dbf503f5513a810414a99d450b3e037234637f0ae5101f510cf50c6053d3 tweets/DOOM.txt
5edf84c6ce11430d417e7bd0997b7ddabdc846c9e7145b04acb997ca1792952c tweets/David_Cameron.txt
247670a7047d5ba208567fc5208e8e2c8baebca91ce18b42caac3489771da1cf tweets/Drake.txt
dc4c11a92c98e7856a51da4dd3ee74efc7247b1430328cb3e22b9f5919e39569 tweets/EGYPTAIR.txt
b1ed9879e4a566bae9846038f63a1846aefcdac5560309d76c4c6cd1907de73f tweets/Eurovision.txt
680e6036ceaa0e78ba7c6d1d19550a3bb68a4f8a48f69e43b53f0c83e2d3fe50 tweets/FLOTUS.txt
cdf1dffa4c6a7bcc656b947c55a1bcb6857731f00acfd801e8291945ee7bb5b8 tweets/FurryWeekendAtl.txt
d889099b53c0ad49bf900a097aabc756196bb29840f31cd0322121293462d676 tweets/Ghostbusters.txt
15d7b9d6771bdc16acda844e31ee84065f496d1424da0383a32c9a52f6513f02 tweets/GovJayNixon.txt
b08dc35c904e54e423f632409accb1599411558a5eca4f368ac07718396d2667 tweets/GovernorPataki.txt
d9e689b5a3472d90e2f3ec70f74712532dfdf5bb59fcb7b25c17beaedef5a8ba tweets/HardcoreHenry.txt
10a2fa2d1997b74ac577ceea972a895ff39e2e54956a0040a30ea8ccb0a4c037 tweets/ICIJorg.txt
a1a57390a9ff46e16447095caf375b7f9339d172c08ed710bb3c2676e5dfe03e tweets/IlliniAD.txt
884789e681728363142d0fe8024e2d107da6cef6fc1de48abe876773cc25a44e tweets/Illinois_Alma.txt
63c4c25dd2de051decf34a646e958ebf625750b26209cb765138b5838007e94d tweets/ImRaina.txt
fd8e2d519bd2a65886efc19549be7e15f222ded668e171cc87d79446a453827a tweets/IntlCrimCourt.txt
9ccfa0b067a984d0124a341fc56527e523e16699703c8f334d07c44078602f0c tweets/JohnKasich.txt
22c05bbc0978c71c6299dca00c307ce45ca388745f6f4b6aa92c7c2be292e2f5 tweets/JohnKerry.txt
31f9c36300c3f4b338b062513abc4490a42e94129b36e326feeb5039502dd290 tweets/KeanuMovie.txt
56ae2850aa29d92d106fcf78a233b3e5f90904af4196972a6b64de11e831b48c tweets/KingHenry_2.txt
5271822caab3ad4b880505f03a34e8e008895c2c3e0d0faa8131b55accfead2c tweets/LCFC.txt
01b914267ce5c88434dc8cca579744e421de6bd5ea337d2a51974415077058ea tweets/LIGO.txt
89411f14a7d7ca31ba773fd149780333aade51014dd3c36e9f0d99c23b268888 tweets/LarryFitzgerald.txt
a8d8c445f371453b34be44f1fff2ad6cd799eb9bc06384f0bed72833ae0c038e tweets/LeoDiCaprio.txt
b5271d8c2afa65f4533f190d69e780de8aa05efcf88370985a342e6f2bb3d374 tweets/MELANIATRUMP.txt
8c4414bdb768cde013dbbe171a2ac9ca2b46cc9bec7a3f7ddec5814a3bb50d31 tweets/MLB.txt
8e75811085fa47d7ab03e432df2fb4e070697d87cfa81e4cb3c696fcff909057 tweets/MartinShkreli.txt
de88a8b430d5cb3bdbfe611a3b9304630b01ecc47d94dbe011d759af14e028ef tweets/MissUniverse.txt
51c27136054a5062290cb94b5b59ae1125981739e067544fadb1d711d7fc1b06 tweets/NatlParkService.txt
5739ec2c5a84a85656fe1f159378162e084eaa4970d82a9d3e799d187d80baf9 tweets/Nigel_Farage.txt
fcb292c5d34f6f79a670c0d698b554bcd5a7b484fe46f20a3c4505e100ead404 tweets/NintendoAmerica.txt
d138e77bb20bd7c7f19fb83da462f28ec114694ba034c805c20edf47c2fb8e79 tweets/Noahsyndergaard.txt
2df2cca0f25a154507ab444039442c11475f15d54efa4c23a4c3a08d3acc2e44 tweets/NovaMBB.txt
349f950cc188a252a7d2c3ce61c7bc74b7e5a2847300965db429ef5f1854df2f tweets/POTUS.txt
555d77058932900fcea47c42d5ab71b7b5973f472b37afa662b7643f961235c0 tweets/PlayOverwatch.txt
6beec6b6a15f7a4f9a4ec8a710c7ca69dbf246538a54c242641b98a87b2a06ea tweets/Pokemon.txt
a5c86d2ee8fb9de17d53ebc26671692ce03e0a0d8793463d7105866f5216a9fa tweets/RealChrisLi.txt
c94dba2f3a8c07593c6d246144220c35db355060fa2de7057f9bf3f059f3d7f5 tweets/Sia.txt
4932b37fdd2e1171eff1c384b918c7c3e8ad74ff6f0c1a9f5d8c02a251a50b20 tweets/StLouisBlues.txt
63f07f6d86be75c6ce80cbc22aa473aa1166d6a4d3566571ef83b0473698196d tweets/StationCDRKelly.txt
47f82f6bd68dd4e3c5e3f50a0659a51d7bb70c659e6c826c56a8f34d24e724e9 tweets/TheEllenShow.txt
3702dcd2e9051cbb60bf5e92733d36fd940af81846fb3c0e0c8981ccfe68683c tweets/TimbersFC.txt
da50faff21ce5ed11b06a371cf32376edfb239bcdbf3b0879292d84816528e3c tweets/TomWheelerFCC.txt
4c85b267f541137df71af45c2bb0fbe44110f5b33a6e064b583431dfb404eaab tweets/UCLAnewsroom.txt
49eb6fb5aaecd9dae4a40bd14c76f86f281fcba4e2bff07474e6d3eb45aade3c tweets/USEmbassyRiyadh.txt
97eabd7d41bf0dde1b2c5211133c66d49b963dbf8d1a509a9bba60c5d401e0af tweets/UniversalHorror.txt
6815512440f419ed792584a31455955eac2173b411ede4a7ff11c447c189611f tweets/WHO.txt
9b0cf7937e828410a36a41c978c1f6724a5869bdfd22d5532714970b5a12920f tweets/WhiteHouse.txt
82c81edaf8f50f95d5be6418163abbf0b50c7c160d5ba42d8a0dc325cf6d67bb tweets/WichitaPolice.txt
82bd5915e1a9abc7ff1856409860b63a35faf40fc6a063af475a3fb14d850094 tweets/animecentral.txt
6c55e8b180d8cba6f0a41e7a12b406c53ddbbc84d8032cd48a60e90a5523e660 tweets/carseatheadrest.txt
6c7fff9f04ca2e7d21bdbc8e9a49f9639d6a44f4542ca77e935531a1ec8e6d94 tweets/cavs.txt
9348f3c5f381fbbd3f2dcd71fa469bab50513d1c270daf3e90b2a84b3cfabef0 tweets/esa.txt
326d6a37dc19f714ed030430fb348ed5a288b475a04c9d9265c3a01a5f5fe4b1 tweets/iaeaorg.txt
ef037424ac44e33cd167e7ad2a2e4bc785890792761dde9e83afc4c27027f5b0 tweets/isro.txt
5f32d3180f486df0f5eb07c389edead55749fe92d1e7f3466922bad43757fadc tweets/jack.txt
cac1b17d903f9471ae1284d5ef1053cb215893dbf9284e76025ae0c805e3ad69 tweets/kanyewest.txt
8922e5bc8b545e13ae5142b02fbcad1f9a6d1c677e8258a7a369aeda8208a706 tweets/kendricklamar.txt
e7a305337da72e40344931589606f5a46d1ff91b81baf8cf9234ff290963cd9c tweets/kobebryant.txt
d22b73ebc9cb7e290816149c89b94de67595056d9f26ce53611a230b3529ba62 tweets/louisa.txt
9f284904827d517553c8fb1d0b775a8e09dfcc12340c8fce02f1e1d4491539d2 tweets/midwestfurfest.txt
c7261b537195dddee8f621651ccfdc1f1e4dff42d04357f5213a096e16133bba tweets/nasa.txt
044051a70455f42e922bfb0dc494115f9cff2749c6d8e40d9b16badbf0c145db tweets/ohdaughter.txt
4783eb185afcc053207befdeedd2176bb121b653e821009fdfd5e42e6b4f0e19 tweets/penguins.txt
ea5bbce3e5b21d21748f307b64aa79fb42de967b812ddfde1f8c90e4f9ab296b tweets/pulseorlando.txt
fb51bdf2207fd52d831ea927b719a025b50bf1f1057a6b9377c47e5a26903047 tweets/realmadrid.txt
eb560296da035c69235c3755557ea02de71c18a778905896ade921d0b613ba2f tweets/rihanna.txt
34116f74b799ba9c84206fcf73fe81c9055ca823481bfa24ead6b2e15ee4b81e tweets/serenawilliams.txt
8873a60014b8d1e4caa65a29de79c1fb28d40c4a28495d3266f566bba64f30a7 tweets/superbowl.txt
d98bc4aca8b5c50d71ea51cf542e48f6301f7584ecb4839b960c4450d5494cf6 tweets/sxsw.txt
e9eed5b4c7d5d550ebb4def94f21230d2c4bc6759f4a5331d1c0297c822a5720 tweets/taylorswift13.txt
11fa8bd8731209b14abd6a740550cc12ac2e39f44aec1af49e234b63e1e7dfff tweets/warriors.txt
1e2b885fef8bfe130532dc6df766b20adc2ff56cce4d3c0a1d0a9936ec583159 tweets/whoismrrobot.txt
"""

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "caverlee-2011-social-honeypot",
            "caverlee2011",
            "Social honeypot: 22,223 content polluters and 19,276 legitimate Twitter accounts",
            "Lee, Eoff, Caverlee. Seven Months with the Devils: A Long-Term Study of Content "
            "Polluters on Twitter. ICWSM 2011.",
            "Texas A&M InfoLab, social_honeypot_icwsm_2011.zip (also the Botometer bot repository, "
            "caverlee-2011); files as mirrored in github.com/venkyever/CS7641-assignments",
            "research use; cite the paper (no licence stated)",
            (
                Remote(
                    "content_polluters.txt",
                    "0220d8a66692f38e9ee7a602e2bb0ae872a4468313b99d1b55aa13274c6b6bef",
                    _CAVERLEE_RAW + "content_polluters.txt",
                ),
                Remote(
                    "legitimate_users.txt",
                    "cb015c8213ef5d4bd4a2b0e84aedc83b1725b92a96249d56f0423c5f547346e8",
                    _CAVERLEE_RAW + "legitimate_users.txt",
                ),
            ),
        ),
        Dataset(
            "cresci-2015",
            "cresci2015",
            "Fame for sale: 1,950 genuine accounts and 3,351 bought fake followers",
            "Cresci, Di Pietro, Petrocchi, Spognardi, Tesconi. Fame for sale: efficient detection "
            "of fake Twitter followers. Decision Support Systems 80, 2015.",
            "MIB, http://mib.projects.iit.cnr.it/dataset.html; files as mirrored in "
            "github.com/Mowghli/Twitter-Spambot-Visual-Analysis-Toolkit",
            "research use; cite the paper (no licence stated)",
            (
                Remote(
                    "count_master_ds1.csv",
                    "6b89d18a460b98d03068c17d0d9b58142c6e75115dcad081c4248fb1be27c702",
                    _CRESCI_RAW + "count_master_ds1.csv",
                ),
                Remote(
                    "Dataset1_Freq_tweets.csv",
                    "2f627ee322ab3f49e434256a6624603df8c8d3445cf928212c14b3465684463d",
                    _CRESCI_RAW + "Dataset1_Freq_tweets.csv",
                    required=False,
                ),
                # derived from the mirror's 5,301 per-account CSVs (395 MB); no public single file
                Remote(
                    "timelines.csv.gz",
                    "5380394b388733118e6ceac2db03e5f70ded44e4a207c1d3061130ba21e2a545",
                    None,
                    required=False,
                ),
            ),
        ),
        Dataset(
            "snap-higgs-twitter",
            "higgs",
            "Higgs boson announcement: 563,069 retweets, mentions and replies, 1-7 July 2012",
            "De Domenico, Lima, Mougel, Musolesi. The Anatomy of a Scientific Rumor. Scientific "
            "Reports 3:2980, 2013; Leskovec, Krevl. SNAP Datasets, 2014.",
            "https://snap.stanford.edu/data/higgs-twitter.html",
            "no formal licence; cite the paper and SNAP",
            (
                Remote(
                    "higgs-activity_time.txt.gz",
                    "901b199716a23b0fc0371705e3ae9941b5c9493277aec65456abc4988674ad79",
                    "https://snap.stanford.edu/data/higgs-activity_time.txt.gz",
                ),
            ),
        ),
        Dataset(
            "twitter-influence-propagation",
            "influence-propagation",
            "78 celebrity networks with 50 recent retweeters each, 1.4M timed tweets (2015-2016)",
            "Li, Xie, Farajtabar, Song. Detecting weak changes in dynamic events over networks. "
            "arXiv:1603.08981, 2016.",
            "https://github.com/dapurv5/twitter-influence-propagation-dataset",
            "no licence stated; cite the paper",
            tuple(
                Remote(path, digest, _INFLUENCE_RAW + path, required=path != "EVENTS.tsv")
                for digest, path in (line.split() for line in _INFLUENCE_SUMS.splitlines())
            ),
        ),
    )
}


def data_home(data_home: str | os.PathLike | None = None) -> Path:
    """Where data sets are looked for: ``data_home``, else ``$AUDITKIT_DATA``, else
    ``$XDG_CACHE_HOME/auditkit`` (default ``~/.cache/auditkit``)."""
    return _home(data_home)


def _home(value: str | os.PathLike | None) -> Path:
    if value is not None:
        return Path(value).expanduser()
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "auditkit"


def sha256_of(path: str | os.PathLike) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise DatasetError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}") from None


def _urlopen(url: str, timeout: float):
    """Open a URL (a seam for tests, which must never touch the network)."""
    return urllib.request.urlopen(url, timeout=timeout)


def _download(remote: Remote, dest: Path, timeout: float) -> None:
    """Stream ``remote.url`` to a temporary file beside ``dest``, check its SHA-256, then
    rename it into place; nothing is left behind on failure."""
    digest = hashlib.sha256()
    try:
        with atomic_file(dest, binary=True) as out, _urlopen(remote.url, timeout) as response:  # type: ignore[arg-type]
            while block := response.read(BLOCK):
                digest.update(block)
                out.write(block)
            got = digest.hexdigest()
            if got != remote.sha256:
                raise DatasetError(
                    f"{remote.url}: checksum mismatch (SHA-256 {got}, expected "
                    f"{remote.sha256}); the file changed at its origin or the "
                    "download was altered. Nothing was saved."
                )
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DatasetError(
            f"{remote.url}: download failed: {exc}. Download it by hand into "
            f"{dest.parent} or set {ENV} to a directory holding a copy"
        ) from None


def fetch(
    name: str,
    *,
    data_home: str | os.PathLike | None = None,
    download: bool = True,
    verify: bool = False,
    timeout: float = 60.0,
) -> Path:
    """The directory of data set ``name``, downloading missing files when ``download``.

    Files already present are used as they are (``verify=True`` checks their SHA-256 too).
    A required file that is missing and cannot be downloaded raises :class:`DatasetError`
    saying where to put it; an optional one is skipped.
    """
    ds = _dataset(name)
    root = _home(data_home) / name
    for remote in ds.files:
        path = root / remote.path
        if path.is_file():
            if verify and sha256_of(path) != remote.sha256:
                raise DatasetError(
                    f"{path}: SHA-256 does not match the recorded {remote.sha256}"
                    "; delete the file to download it again"
                )
            continue
        if remote.url is None or not download:
            if not remote.required:
                continue
            why = "it cannot be downloaded" if remote.url is None else "downloading is switched off"
            raise DatasetError(
                f"{name}: {remote.path} is missing from {root} and {why}; "
                f"copy it there or set {ENV} to a directory holding "
                f"{name}/{remote.path}"
            )
        _download(remote, path, timeout)
    return root


def load(
    name: str,
    *,
    data_home: str | os.PathLike | None = None,
    download: bool = True,
    limit: int | None = None,
) -> World:
    """Fetch data set ``name`` and import it as a :class:`~auditkit.data.world.World`."""
    from auditkit.data.importers import import_world

    root = fetch(name, data_home=data_home, download=download)
    ds = _dataset(name)
    return import_world(ds.format, root / ds.entry if ds.entry else root, limit=limit).world
