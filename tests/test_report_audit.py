"""The audit report a reviewer decides from: per-scorer totals, the scorecard (flaw names,
scenario titles, units, intervals, notes for cells without a number), the findings in the
table's order and in grammatical sentences, the figures' evidence in the results, the bundled
audit's HTML page (size bound, figures with text alternatives, offline in a real browser), the
gate, the progress lines, and JUnit for every report kind."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import is_blank, load
from click.testing import CliRunner

from auditkit import audit, bundled_scenarios, get_registry, load_scenarios
from auditkit.auditing.results import COLUMNS, RESULTS_FORMAT, Results
from auditkit.cli import main
from auditkit.report import render, write
from auditkit.report.documents import document_of
from auditkit.report.flaws import FLAW_NAMES
from auditkit.report.formats.html import SIZE_BOUND
from auditkit.report.gate import gate
from auditkit.report.progress import EVERY_SECONDS, QUIET_SECONDS, TaskProgress
from auditkit.text import quantity

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = Path(__file__).parent / "data" / "junit.xsd"


def _row(
    scenario,
    flaw,
    check,
    scorer,
    verdict,
    estimate=np.nan,
    low=np.nan,
    high=np.nan,
    unit="percentile points",
    finding="",
    role="scorer",
    rationale="policy: because",
):
    return {
        "scenario": scenario,
        "flaw": flaw,
        "check": check,
        "probe": "gain",
        "scorer": scorer,
        "scorer_version": "1",
        "role": role,
        "verdict": verdict,
        "estimate": estimate,
        "low": low,
        "high": high,
        "confidence": 0.96,
        "seeds": 9,
        "measured": 9 if np.isfinite(estimate) else 0,
        "outcomes": "",
        "unit": unit,
        "expectation": f"at most 5 {unit}",
        "rationale": rationale,
        "policy": "scenario",
        "finding": finding or f"{scorer}: {verdict} finding for {check}",
    }


@pytest.fixture()
def made() -> Results:
    """Results made by hand: F10 listed before F2 (the report orders by flaw number), every
    verdict, reasons for the cells without a number, and a control."""
    rows = [
        _row("brands", "F10", "over-ranked", "alpha", "fail", 62.0, 53.1, 71.3),
        _row("brands", "F10", "over-ranked", "beta", "pass", 1.0, -2.0, 3.0),
        _row(
            "brands", "F10", "over-ranked", "ctl", "fail", 80.0, 70.0, 90.0, role="positive control"
        ),
        _row(
            "volume",
            "F2",
            "posts",
            "alpha",
            "skip",
            finding="alpha: skip on 9 of 9 seeds (e.g. seed 3: not applicable: alpha has no "
            "topic parameter)",
        ),
        _row(
            "volume",
            "F2",
            "posts",
            "beta",
            "skip",
            finding="beta: skip on 9 of 9 seeds (e.g. seed 3: not applicable: beta has no "
            "topic parameter)",
        ),
        _row(
            "volume",
            "F2",
            "auc",
            "alpha",
            "error",
            unit="AUC",
            finding="alpha: error on 2 of 9 seeds (e.g. seed 4: ScorerError: it broke)",
        ),
        _row("volume", "F2", "auc", "beta", "inconclusive", 0.79, 0.7, 0.85, unit="AUC"),
        _row(
            "volume",
            "F2",
            "share",
            "alpha",
            "blind",
            unit="% of the top",
            finding="alpha: blind on 9 of 9 seeds (e.g. seed 5: blind: alpha gives x the same "
            "scores)",
        ),
        _row("volume", "F2", "share", "beta", "pass", 3.0, 2.0, 4.0, unit="% of the top"),
    ]
    meta = {
        "seeds": 9,
        "statistics": {"level": 0.95, "minimum_seeds_for_level": 6},
        "scenarios": [
            {
                "id": "brands",
                "flaw": "F10",
                "title": "Brands over experts",
                "acceptable": "Brands do not outrank experts.",
                "source": "a book",
            },
            {
                "id": "volume",
                "flaw": "F2",
                "title": "Volume is no merit",
                "acceptable": "Posting more does not pay.",
                "source": "a paper",
            },
        ],
    }
    return Results(pd.DataFrame(rows, columns=COLUMNS), meta=meta)


def test_flaw_names_are_the_catalogues():
    text = (ROOT / "docs" / "flaws.md").read_text()
    assert dict(re.findall(r"^## (F\d+) — (.+)$", text, re.M)) == FLAW_NAMES


def test_scorecard_names_flaws_titles_units_and_orders_by_flaw_number(made):
    card = render(made, "markdown").split("## Scorecard")[1].split("## What each check")[0]
    # F2 before F10 (numbers, not text), with names and titles
    assert card.index("| F2 — Volume is rewarded") < card.index(
        "| F10 — Institutions crowd out people"
    )
    assert "Volume is no merit (volume)" in card and "Brands over experts (brands)" in card
    # estimate, interval and unit in the cell, and the acceptable level beside the check
    assert "FAIL 62 [53.1, 71.3] percentile points" in card
    assert "PASS 3 [2, 4] % of the top" in card
    assert "auc; acceptable: at most 5 AUC" in card
    # controls are not columns of the scorecard
    assert "ctl" not in card.strip().splitlines()[0]
    # the plain table carries the same, wrapped
    table = render(made, "table").split("Scorecard:")[1].split("What each check accepts")[0]
    assert table.index("F2 —") < table.index("F10 —") and "percentile points" in table


def test_cells_without_a_number_point_to_their_reason(made):
    text = render(made, "table")
    card = text.split("Scorecard:")[1].split("What each check accepts")[0]
    assert re.search(r"\bskip\s*$", card, re.M) is None, "a bare skip"
    notes = text.split("Notes: checks without a number:")[1]
    # one note for the skip both scorers share (the scorer's id taken out), with both named
    assert "no topic parameter (alpha and beta)" in notes
    skip_note = re.search(r"note (\d+)\. volume / posts: skip", notes).group(1)
    assert f"skip, note {skip_note}" in card
    assert "ScorerError: it broke" in notes and "error, note" in card
    assert "blind on 9 of 9 seeds" in notes


def test_per_scorer_totals_and_summary(made):
    doc_text = render(made, "markdown")
    totals = doc_text.split("## Verdicts per scorer")[1].split("## Legend")[0]
    alpha = next(line for line in totals.splitlines() if line.startswith("| alpha"))
    cells = [c.strip() for c in alpha.strip("|").split("|")]
    # scorer, checks, pass, fail, inconclusive, blind, degenerate, error, skip, rate, summary
    assert cells[:10] == ["alpha", "4", "0", "1", "0", "1", "0", "1", "1", "25%"]
    assert "alpha fails 1 of 4 checks (25%; F10)" in cells[10]
    assert "1 error" in cells[10] and "no answer on 2 (blind 1, skip 1)" in cells[10]


def test_legend_acceptable_and_rationale(made):
    text = render(made, "table")
    legend = text.split("Legend:")[1].split("Scorecard:")[0]
    for word in ("PASS", "FAIL", "inconclusive", "blind", "degenerate", "skip", "error"):
        assert f"  {word}: " in legend
    assert "in brackets its confidence interval" in legend
    accepts = render(made, "markdown").split("## What each check accepts, and why")[1]
    assert "policy: because" in accepts and "| at most 5 percentile points" in accepts


def test_findings_follow_the_table_order_once_per_check_and_scorer(made):
    text = render(made, "table")
    findings = text.split("Findings by flaw:")[1]
    assert findings.index("F2 — Volume") < findings.index("F10 — Institutions")
    assert findings.count("alpha: fail finding for over-ranked") == 1
    assert "Scenario brands: Brands over experts." in findings and "Source: a book" in findings


def test_old_wording_is_gone_from_probe_sentences():
    """The sentences the issue quoted ("squirrel sit at", "a humans account", "spearman") are
    now grammatical whatever a cohort is called."""
    registry = get_registry()
    scenarios = load_scenarios(
        [
            bundled_scenarios() / "spam-squirrel.yaml",
            bundled_scenarios() / "follower-count-in-disguise.yaml",
        ],
        registry,
    )
    results = audit(scenarios, [registry.scorer("followers")], seeds=1, registry=registry)
    text = " ".join(results.table["finding"])
    assert "squirrel sit at" not in text and "a base account" not in text
    assert "the squirrel cohort sits at the" in text
    assert "an account of the base population outranks one of the squirrel cohort" in text
    assert "Spearman correlation" in text and "spearman" not in text
    assert "median AUC " in text and " AUC over" not in text


def test_quantity_writes_units_as_people_do():
    assert quantity(60.23, "percentile points") == "60.2 percentile points"
    assert quantity(95, "% of the top") == "95% of the top"
    assert quantity(0.8123, "AUC") == "AUC 0.812"
    assert quantity(1000.0, "days") == "1,000 days"
    assert quantity(1e6, "") == "1,000,000"


# ---- evidence and the HTML page ---------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    """The bundled audit on one seed, with the figures' evidence (the evidence and the figures
    are of each scenario's first seed whatever the seed count)."""
    registry = get_registry()
    scenarios = load_scenarios([bundled_scenarios()], registry)
    return audit(
        scenarios,
        [registry.scorer(s.id) for s in registry.all()],
        seeds=1,
        registry=registry,
        evidence=True,
    )


@pytest.fixture(scope="module")
def bundled_document(bundled):
    """The report document of the bundled audit, built once: drawing its figures takes 5.5 s,
    and render() and write() take a document as they take the results it describes
    (``document_of``; the renderers only read it)."""
    return document_of(bundled)


def test_evidence_round_trips_and_old_readers_ignore_it(bundled, tmp_path):
    data = bundled.to_dict()
    assert data["version"] == RESULTS_FORMAT["version"] == 2
    ev = data["evidence"]
    assert ev["version"] == 1 and len(ev["scenarios"]) == len(bundled.meta["scenarios"])
    again = Results.from_json(json.dumps(data))
    assert again.evidence == json.loads(json.dumps(ev))
    # a file without evidence, and one with keys this version does not know, still read
    plain = {k: v for k, v in data.items() if k != "evidence"} | {"from_the_future": [1]}
    assert Results.from_json(json.dumps(plain)).evidence == {}
    # small: quantiles, not scores
    assert len(json.dumps(ev)) < 300_000


def test_evidence_holds_what_each_figure_needs(bundled):
    scenarios = bundled.evidence["scenarios"]
    dose = scenarios["bought-followers"]["dose"]
    assert dose["counts"] == [125, 250, 500, 1000, 2000]
    # the scenario's own size is the audited measurement on the same seed
    seed = scenarios["bought-followers"]["seed"]
    measured = bundled.seeds[
        (bundled.seeds["scenario"] == "bought-followers")
        & (bundled.seeds["seed"] == seed)
        & (bundled.seeds["scorer"] == "kred")
    ]["value"].iloc[0]
    assert dose["gain"]["kred"][3] == pytest.approx(measured, rel=1e-3)
    decay = scenarios["inactivity-decay"]["decay"]["silent"]
    assert decay["days"][0] == 0 and all(
        v == pytest.approx(1) for v in (k[0] for k in decay["kept"].values())
    )
    cohorts = scenarios["bought-followers"]["cohorts"]["followers"]["buyers"]
    assert len(cohorts["treated"]) == len(cohorts["control"]) == 5
    rho = scenarios["spam-squirrel"]["agreement"]["rho"]
    assert all(row[i] == 1 for i, row in enumerate(rho))


def test_evidence_is_deterministic():
    from auditkit.auditing.evidence import collect_evidence

    registry = get_registry()
    scenarios = load_scenarios([bundled_scenarios() / "sabotage.yaml"], registry)
    scorers = [registry.scorer("kred"), registry.scorer("pagerank")]
    a = collect_evidence(scenarios, scorers, registry, {"sabotage": 5})
    b = collect_evidence(scenarios, scorers, registry, {"sabotage": 5})
    assert a == b and "error" not in a["scenarios"]["sabotage"]


def test_bundled_html_is_small_self_contained_and_has_five_figures(bundled_document, tmp_path):
    path = write(bundled_document, tmp_path / "report.html")
    text = path.read_text()
    assert len(text.encode()) < SIZE_BOUND
    assert not re.search(r"""(src|href)=["'](https?:)?//""", text) and "<script" not in text
    figures = re.findall(r'<figure><div role="img" aria-label="([^"]+)"><svg', text)
    assert len(figures) >= 5 and all(len(alt) > 40 for alt in figures)
    for title in (
        "Agreement between scorers",
        "Score against ground truth",
        "Where each cohort ranks in bought-followers",
        "Decay over silence in inactivity-decay",
        "Gain against attack size in bought-followers",
    ):
        assert f"<strong>{title}.</strong>" in text, title
    assert "@media print" in text
    page = load(path)
    assert page.errors == [], page.errors
    assert page.network(path.resolve().as_uri()) == []
    assert not is_blank(page.screenshot)
    assert "Verdicts per scorer" in page.text and "Findings by flaw" in page.text


def test_markdown_and_text_keep_the_figures_words(bundled_document):
    md = render(bundled_document, "markdown")
    assert "*Figure: Agreement between scorers.*" in md and "<svg" not in md


# ---- gate ------------------------------------------------------------------------------------


def test_gate_by_fail_rate_and_scorer(made):
    assert gate(made) == []
    assert gate(made, fail_on="fail") == ["alpha: failed 1 of 4 checks"]
    assert gate(made, fail_on="error") == ["alpha: failed 1 of 4 checks; erred on 1 of 4 checks"]
    assert gate(made, max_fail_rate=0.25) == []  # 25% is not above 25%
    assert gate(made, max_fail_rate=0.2) == ["alpha: fail rate 25% (1 of 4) is above 20%"]
    assert gate(made, fail_on="fail", scorers=["beta"]) == []  # the control's fail never counts


def test_gate_exit_codes_from_the_command_line(made, tmp_path):
    source = write(made, tmp_path / "results.json")
    run = CliRunner()
    assert run.invoke(main, ["report", str(source)]).exit_code == 0
    tripped = run.invoke(main, ["report", str(source), "--max-fail-rate", "0.2"])
    assert tripped.exit_code == 1 and "gate: alpha: fail rate 25%" in tripped.stderr
    assert (
        run.invoke(
            main, ["report", str(source), "--max-fail-rate", "0.2", "--gate-scorer", "beta"]
        ).exit_code
        == 0
    )
    wrong = run.invoke(main, ["report", str(source), "--gate-scorer", "gamma"])
    assert wrong.exit_code == 2 and "Traceback" not in wrong.output
    assert wrong.stdout == ""  # nothing rendered before the usage error
    assert run.invoke(main, ["report", str(source), "--max-fail-rate", "2"]).exit_code == 2


# ---- progress --------------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_in_a_log_prints_a_line_per_tenth_or_half_minute():
    out, clock = io.StringIO(), _Clock()
    progress = TaskProgress("audit", out, interactive=False, clock=clock)
    for done in range(1, 101):
        clock.now += 0.2 * QUIET_SECONDS
        progress(done, 100, f"task {done}")
    lines = out.getvalue().splitlines()
    # silent for QUIET_SECONDS (the first 5 tasks), then a line at each tenth
    assert len(lines) == 10 and lines[-1].startswith("audit: 100/100 tasks (100%)")
    assert lines[0].startswith("audit: 10/100 tasks (10%), 20 s") and lines[0].endswith("task 10")
    # a quick run prints nothing at all
    out, clock = io.StringIO(), _Clock()
    progress = TaskProgress("audit", out, interactive=False, clock=clock)
    for done in range(1, 101):
        clock.now += 0.01
        progress(done, 100, "quick")
    assert out.getvalue() == ""
    # a slow run: a line every EVERY_SECONDS even inside one tenth
    out, clock = io.StringIO(), _Clock()
    progress = TaskProgress("audit", out, interactive=False, clock=clock)
    for done in range(1, 6):
        clock.now += EVERY_SECONDS
        progress(done, 1000, "slow")
    assert len(out.getvalue().splitlines()) == 5
    # and nothing in between: a fast run inside one tenth prints no more than its first line
    out, clock = io.StringIO(), _Clock()
    progress = TaskProgress("audit", out, interactive=False, clock=clock)
    clock.now = QUIET_SECONDS
    for done in range(1, 50):
        progress(done, 1000, "fast")
    assert len(out.getvalue().splitlines()) == 1


def test_progress_quiet_prints_nothing_and_a_terminal_gets_a_bar():
    out = io.StringIO()
    quiet = TaskProgress("audit", out, quiet=True, interactive=False)
    for done in range(1, 11):
        quiet(done, 10, "x")
    quiet.message("collecting")
    quiet.close()
    assert out.getvalue() == ""
    out = io.StringIO()
    bar = TaskProgress("audit", out, interactive=True)
    for done in range(1, 4):
        bar(done, 3, "x")
    bar.close()
    assert "3/3" in out.getvalue() and "\n" not in out.getvalue().rstrip("\n")


def test_audit_command_progress_lines_and_quiet(monkeypatch):
    monkeypatch.setattr("auditkit.report.progress.QUIET_SECONDS", 0.0)
    path = str(bundled_scenarios() / "spam-squirrel.yaml")
    run = CliRunner().invoke(
        main, ["audit", path, "--scorer", "followers", "--seeds", "2", "--format", "json"]
    )
    assert run.exit_code == 0, run.output
    assert "audit: 2/2 tasks (100%)" in run.stderr
    quiet = CliRunner().invoke(
        main,
        ["audit", path, "--scorer", "followers", "--seeds", "2", "--format", "json", "--quiet"],
    )
    assert quiet.exit_code == 0 and "tasks (" not in quiet.stderr
    assert json.loads(quiet.stdout)["evidence"]["scenarios"]["spam-squirrel"]["seed"] == 101


# ---- JUnit for every report kind --------------------------------------------------------------


def test_junit_skips_name_their_verdict_and_controls_pass_when_built_so(made):
    import xmlschema

    text = render(made, "junit")
    xmlschema.XMLSchema(str(SCHEMA)).validate(text)
    root = ET.fromstring(text)
    assert int(root.get("failures")) == made.counts()["fail"] == 1
    skipped = {
        c.get("name"): c.find("skipped").get("message")
        for c in root.iter("testcase")
        if c.find("skipped") is not None
    }
    assert skipped["auc[beta]"].startswith("inconclusive: ")
    assert (
        skipped["share[alpha]"].startswith("blind: ") and "same scores" in skipped["share[alpha]"]
    )
    control = next(
        c for c in root.iter("testcase") if c.get("name") == "over-ranked[ctl, positive control]"
    )
    assert list(control) == []  # a positive control that failed behaved as built: a pass


def test_check_and_attack_reports_render_html_and_junit():
    import xmlschema

    from auditkit.attack import run_attack
    from auditkit.checks.report import CheckReport, CheckResult

    check = CheckReport(
        "toy",
        [
            CheckResult("toy", "check_empty_world", "api", "pass", "ok"),
            CheckResult(
                "toy",
                "check_deterministic",
                "api",
                "fail",
                "scorer toy failed check_deterministic: two runs differ",
            ),
            CheckResult(
                "toy",
                "check_spam_below_conversationalists",
                "behaviour",
                "skip",
                "toy reads no events",
            ),
        ],
    )
    registry = get_registry()
    attack = run_attack(
        registry, [registry.scorer("kred")], 20, accounts=150, seed=4, max_evaluations=3
    )
    schema = xmlschema.XMLSchema(str(SCHEMA))
    for report, title in ((check, "Conformance checks of scorer toy"), (attack, "auditkit attack")):
        page = render(report, "html")
        assert page.startswith("<!DOCTYPE html>") and f"<title>{title}</title>" in page
        junit = render(report, "junit")
        schema.validate(junit)
    root = ET.fromstring(render(check, "junit"))
    assert root.get("failures") == "1" and root.get("skipped") == "1"


def test_evidence_that_failed_is_recorded_and_draws_nothing(made, monkeypatch):
    """A scenario whose evidence could not be collected keeps its verdicts and gets no figure."""
    from auditkit.auditing import evidence

    def broken(*args, **kwargs):
        raise RuntimeError("no worlds today")

    monkeypatch.setattr(evidence, "scenario_evidence", broken)
    registry = get_registry()
    scenarios = load_scenarios([bundled_scenarios() / "spam-squirrel.yaml"], registry)
    got = evidence.collect_evidence(
        scenarios, [registry.scorer("followers")], registry, {"spam-squirrel": 101}
    )
    assert got["scenarios"]["spam-squirrel"] == {
        "seed": 101,
        "error": "RuntimeError: no worlds today",
    }
    made.evidence = got
    page = render(made, "html")
    assert "<figure>" not in page and "Verdicts per scorer" in page
