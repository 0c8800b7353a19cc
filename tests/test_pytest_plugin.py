"""The pytest plugin: scenario files collected as tests, run in-process with ``pytester``."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import hypothesis  # noqa: F401  (imported once here, not again by every in-process run)
import pytest

import auditkit.scenario.run
from auditkit import audit, get_registry, load_scenario, report

pytest_plugins = ["pytester"]

TINY = """\
id: tiny
flaw: F7
title: Buying followers on a tiny network
acceptable: Buyers gain at most 5 percentile points.
source: the plugin's tests
population: {accounts: 200, days: 30, seed: 7}
cohorts:
  - name: buyers
    behaviour: bought_followers
    size: 5
    params: {count: 200}
checks:
  - probe: gain
    cohort: buyers
    expect: {kind: minimum, at_most: 5}
  - name: lenient
    probe: gain
    cohort: buyers
    expect: {kind: minimum, at_most: 100}
  - probe: version_churn
    variants: {followers: {reference: 1000}}
    expect: {kind: minimum, at_most: 100}
"""

BAD = TINY.replace("    size: 5\n", "    sise: 5\n")


@pytest.fixture
def tiny(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "tiny.yaml").write_text(TINY)
    return pytester


def _clean(output: str) -> None:
    """No traceback, and nothing from the plugin's own source, in a report."""
    assert "Traceback" not in output
    assert "pytest_plugin.py" not in output
    assert "raise Finding" not in output


def test_failing_check_reads_as_its_finding_sentence(tiny):
    result = tiny.runpytest("scenarios", "--auditkit-scorer", "followers", "-rA")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.re_match_lines(
        [
            r"followers: bought followers \(200 fake accounts\) moved the buyers cohort from the "
            r"\d+(st|nd|rd|th) percentile to the \d+(st|nd|rd|th) \(\+\d+(\.\d)? points\); "
            r"acceptable is at most 5 "
            r"percentile points\.$",
            r"FAILED scenarios/tiny.yaml::tiny::gain\[followers-seed7\] - followers: bought",
        ]
    )
    result.stdout.fnmatch_lines(["PASSED scenarios/tiny.yaml::tiny::lenient[[]followers-seed7[]]"])
    result.stdout.fnmatch_lines(
        [
            "auditkit: 1 scenario(s) x 1 seed(s) x 1 scorer(s): 2 pass, "
            "1 fail, 0 blind, 0 degenerate, 0 error, 0 skip"
        ]
    )
    _clean(result.stdout.str())
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_item_ids_are_scenario_check_scorer_and_seed(tiny):
    (tiny.path / "scenarios" / "tiny.yaml").write_text(
        TINY + "  - probe: gain\n    name: gain-2\n    cohort: buyers\n"
        "    expect: {kind: minimum, at_most: 50}\n"
    )
    result = tiny.runpytest(
        "scenarios",
        "--co",
        "-q",
        "--auditkit-scorer",
        "followers",
        "--auditkit-scorer",
        "kred",
        "--auditkit-seeds",
        "2",
    )
    ids = [line for line in result.stdout.lines if "::" in line]
    assert ids[:3] == [
        "scenarios/tiny.yaml::tiny::gain[followers-seed7]",
        "scenarios/tiny.yaml::tiny::gain[kred-seed7]",
        "scenarios/tiny.yaml::tiny::lenient[followers-seed7]",
    ]
    assert "scenarios/tiny.yaml::tiny::gain-2[kred-seed8]" in ids  # same probe twice
    assert len(ids) == len(set(ids)) == 4 * 2 * 2  # checks x scorers x seeds


def test_one_node_id_runs_alone(tiny):
    result = tiny.runpytest("scenarios/tiny.yaml::tiny::lenient[kred-seed7]")
    result.assert_outcomes(passed=1)


def test_malformed_scenario_fails_collection_with_line_and_field(pytester):
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "bad.yaml").write_text(BAD)
    result = pytester.runpytest("scenarios", "--auditkit-scorer", "followers")
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting scenarios/bad.yaml*",
            "scenarios/bad.yaml, line 10, field 'cohorts[[]0[]].sise': unknown field 'sise'. "
            "Did you "
            "mean 'size'?*",
            "*Interrupted: 1 error during collection*",
        ]
    )
    _clean(result.stdout.str())
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_scenario_without_checks_is_a_collection_error_not_ignored(pytester):
    pytester.mkdir("scenarios")
    text = TINY.split("checks:")[0]
    (pytester.path / "scenarios" / "nochecks.yaml").write_text(text)
    result = pytester.runpytest("scenarios")
    result.stdout.fnmatch_lines(
        ["*nochecks.yaml, line 1, field 'checks': required field 'checks' is missing; add it."]
    )


def test_invalid_yaml_is_a_collection_error(pytester):
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "broken.yaml").write_text("id: x\nflaw: F1\n  oops: [\n")
    result = pytester.runpytest("scenarios")
    result.stdout.fnmatch_lines(["scenarios/broken.yaml, line 3: invalid YAML*"])
    _clean(result.stdout.str())


def test_ordinary_collection_is_unaffected(pytester):
    pytester.makepyfile(test_ok="def test_ok():\n    assert True\n")
    pytester.mkdir("config")
    (pytester.path / "config" / "tiny.yaml").write_text(TINY)  # a scenario, not opted in
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "other.yaml").write_text("name: not a scenario\nid: 3\n")
    result = pytester.runpytest("--co", "-q")
    assert [line for line in result.stdout.lines if "::" in line] == ["test_ok.py::test_ok"]
    assert "auditkit" not in result.stdout.str()
    # --auditkit opts in scenario files anywhere
    result = pytester.runpytest("--co", "-q", "--auditkit", "--auditkit-scorer", "followers")
    assert "config/tiny.yaml::tiny::gain[followers-seed7]" in result.stdout.lines
    assert not any("other.yaml" in line for line in result.stdout.lines)


def test_plugin_can_be_disabled(tiny):
    result = tiny.runpytest("-p", "no:auditkit", "scenarios")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_sessions_without_scenarios_load_no_auditkit_plugins(pytester):
    """The plugin is loaded by every pytest session: it must stay idle when there is nothing
    to collect (no registry, so no scorer module is imported)."""
    pytester.makepyfile(test_ok="def test_ok():\n    assert True\n")
    code = (
        "import sys, pytest; rc = pytest.main(['-q', '-p', 'no:cacheprovider', "
        "'-p', 'no:hypothesispytest']); "
        "from auditkit.plugin.registry import get_registry; "
        "print(rc, get_registry.cache_info().currsize, 'auditkit.scorers.kred' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=pytester.path, check=True
    )
    assert out.stdout.splitlines()[-1] == "0 0 False"


def test_scorer_parameter_changes_the_verdict(tiny):
    # with follower numbers from the (absent) followers_count column every account scores 0:
    # the scorer is blind to the purchase, which is not a pass (issue 9)
    result = tiny.runpytest(
        "scenarios",
        "--auditkit-scorer",
        "followers",
        "--auditkit-param",
        "followers.source=counts",
        "-rs",
    )
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED*followers: blind: followers gives buyers exactly the "
            "same scores with and without bought followers*"
        ]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--auditkit-scorer", "folowers"],
            "*no installed scorer has id 'folowers'. Did you mean 'followers'?*",
        ),
        (
            ["--auditkit-scorer", "followers", "--auditkit-param", "kred.window_days=3"],
            "*--auditkit-param 'kred.window_days=3' names scorer 'kred', which is not among the "
            "scorers given (followers); add it with --auditkit-scorer kred*",
        ),
        (["--auditkit-param", "followers.nope=3"], "*scorer 'followers' has no parameter 'nope'*"),
        (["--auditkit-param", "followers=3"], "*is not ID.NAME=VALUE*"),
        (
            ["--auditkit-scorer", "command"],
            "*scorer 'command' parameter 'program': Field required*",
        ),
    ],
)
def test_bad_options_are_usage_errors(tiny, args, message):
    result = tiny.runpytest("scenarios", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_bad_seed_count_is_a_usage_error(tiny):
    result = tiny.runpytest("scenarios", "--auditkit-seeds", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--auditkit-seeds: '0' is not a whole number of at least 1*"])


def test_skip_verdict_is_skipped_with_the_reason_at_the_check(tiny):
    result = tiny.runpytest("scenarios", "--auditkit-scorer", "kred", "-rs")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1[]] scenarios/tiny.yaml:20: kred: not applicable: "
            "no variant given for 'kred'"
        ]
    )


def test_slow_scorer_is_an_error_not_a_finding(tiny):
    program = f"{sys.executable} -c 'import time; time.sleep(20)'"
    result = tiny.runpytest(
        "scenarios",
        "--auditkit-scorer",
        "command",
        "--auditkit-param",
        f"command.program={program}",
        "--auditkit-time-limit",
        "0.5",
        "--durations=0",
    )
    result.assert_outcomes(failed=2, skipped=1)
    result.stdout.fnmatch_lines(
        ["error (not a finding): command: scorer 'command' ran past the time limit of 0.5 s*"]
    )
    assert result.duration < 10  # timed out once, and the second check reused that result


def test_worlds_are_built_once_per_scenario_and_seed(tiny, monkeypatch):
    builds: list[int] = []
    simulations: list[int] = []
    run_class = auditkit.scenario.run.ScenarioRun
    build, simulate = run_class._built, run_class._simulate

    def counting_build(self, draft, pairs, base=None):
        builds.append(self.seed)
        return build(self, draft, pairs, base)

    def counting_simulate(self):
        simulations.append(self.seed)
        return simulate(self)

    monkeypatch.setattr(run_class, "_built", counting_build)
    monkeypatch.setattr(run_class, "_simulate", counting_simulate)
    reprec = tiny.inline_run(
        "scenarios",
        "--auditkit-scorer",
        "followers",
        "--auditkit-scorer",
        "kred",
        "--auditkit-seeds",
        "2",
    )
    passed, skipped, failed = reprec.listoutcomes()
    assert len(passed) + len(skipped) + len(failed) == 3 * 2 * 2
    assert sorted(builds) == [7, 7, 8, 8]  # treated + control, per seed
    assert sorted(simulations) == [7, 8]  # the control world copies the treated one's draft
    from auditkit.pytest_plugin import SESSION_STATE

    state = reprec.getcall("pytest_sessionfinish").session.config.stash[SESSION_STATE]
    assert state.runs == {}  # each run's worlds were dropped after its last item


def test_verdicts_equal_the_audit(tiny):
    scenario = load_scenario(tiny.path / "scenarios" / "tiny.yaml")
    registry = get_registry()
    results = audit([scenario], [registry.scorer("followers"), registry.scorer("kred")], seeds=1)
    expected = {
        f"{r.check}[{r.scorer}-seed{r.seed}]": r.verdict for r in results.seeds.itertuples()
    }
    reprec = tiny.inline_run(
        "scenarios", "--auditkit-scorer", "followers", "--auditkit-scorer", "kred"
    )
    word = {"passed": "pass", "failed": "fail", "skipped": "skip"}
    got = {
        r.nodeid.rsplit("::", 1)[1]: word[r.outcome]
        for r in reprec.getreports("pytest_runtest_logreport")
        if r.when == "call"
    }
    assert got == expected


KNOWN = """\
- scenario: tiny
  check: gain
  scorer: kred
  reason: Kred scores follows directly (issue 12)
- {scenario: tiny, check: lenient, scorer: kred}
"""


def test_known_findings_are_xfail(tiny):
    (tiny.path / "known.yaml").write_text(KNOWN)
    result = tiny.runpytest(
        "scenarios",
        "--auditkit-scorer",
        "kred",
        "--auditkit-scorer",
        "followers",
        "--auditkit-known",
        "known.yaml",
        "-rfxX",
    )
    result.assert_outcomes(passed=2, failed=1, xfailed=1, xpassed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "XFAIL scenarios/tiny.yaml::tiny::gain[[]kred-seed7[]] - Kred scores follows directly "
            "(issue 12)",
            "XPASS scenarios/tiny.yaml::tiny::lenient[[]kred-seed7[]]*known finding (known.yaml)*",
        ]
    )
    result.stdout.fnmatch_lines(["*(1 of the failures known, marked xfail)"])
    assert "FAILED scenarios/tiny.yaml::tiny::gain[followers-seed7]" in result.stdout.str()


def test_known_findings_from_an_audit_results_file_and_the_ini(tiny):
    scenario = load_scenario(tiny.path / "scenarios" / "tiny.yaml")
    registry = get_registry()
    results = audit([scenario], [registry.scorer("followers"), registry.scorer("kred")])
    report.write(results, tiny.path / "baseline.json")
    tiny.makeini("[pytest]\nauditkit_known = baseline.json\n")
    result = tiny.runpytest(
        "scenarios", "--auditkit-scorer", "kred", "--auditkit-scorer", "followers"
    )
    result.assert_outcomes(passed=3, xfailed=2, skipped=1)
    assert result.ret == pytest.ExitCode.OK  # the gate passes: no new finding


def test_an_error_is_not_hidden_by_a_known_finding(tiny):
    (tiny.path / "known.yaml").write_text("- {scenario: tiny, check: gain, scorer: command}\n")
    result = tiny.runpytest(
        "scenarios",
        "--auditkit-scorer",
        "command",
        "--auditkit-param",
        "command.program=/nonexistent/scorer",
        "--auditkit-known",
        "known.yaml",
    )
    result.assert_outcomes(failed=2, skipped=1)
    result.stdout.fnmatch_lines(["*'/nonexistent/scorer' was not found*"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {scenario: tiny, check: gain}\n", "*known.yaml, entry 1, field 'scorer': required*"),
        (
            "- {scenario: tiny, check: gain, scorer: kred, why: x}\n",
            "*known.yaml, entry 1, field 'why': unknown field*",
        ),
        (
            "scenario: tiny\n",
            "*a YAML list of {scenario, check, scorer, seed, reason} mappings; got dict",
        ),
        (
            "- {scenario: tiny, check: gain, scorer: kred, seed: -1}\n",
            "*known.yaml, entry 1, field 'seed': a whole number*",
        ),
        ("- [\n", "*known.yaml, line 2: not valid YAML or JSON*"),
    ],
)
def test_bad_known_findings_file_is_a_usage_error(tiny, text, message):
    (tiny.path / "known.yaml").write_text(text)
    result = tiny.runpytest("scenarios", "--auditkit-known", "known.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_junit_report_carries_verdict_and_finding(tiny):
    tiny.runpytest("scenarios", "--auditkit-scorer", "followers", "--junitxml=out.xml")
    xml = (tiny.path / "out.xml").read_text()
    assert '<property name="verdict" value="fail" />' in xml
    assert 'name="finding" value="followers: bought followers' in xml


def test_bundled_library_runs_as_tests(pytester):
    """`pytest scenarios/` over a copy of the shipped library collects every check."""
    from auditkit import bundled_scenarios

    target = pytester.mkdir("scenarios")
    for path in sorted(bundled_scenarios().glob("*.yaml"))[:2]:
        (target / path.name).write_text(path.read_text())
    result = pytester.runpytest("scenarios", "--co", "-q", "--auditkit-scorer", "followers")
    ids = [line for line in result.stdout.lines if "::" in line]
    scenarios = [load_scenario(p) for p in sorted(target.glob("*.yaml"))]
    assert len(ids) == sum(len(s.checks) for s in scenarios)
    assert ids[0].startswith(
        f"scenarios/{sorted(target.glob('*.yaml'))[0].name}::{scenarios[0].id}::"
    )


def test_results_json_marks_only_failures_known(tmp_path):
    from auditkit.auditing.results import COLUMNS, RESULTS_FORMAT
    from auditkit.pytest_plugin import read_known

    rows = [
        dict.fromkeys(COLUMNS)
        | {"scenario": "s", "check": c, "scorer": "k", "verdict": v, "seeds": 10, "measured": 10}
        for c, v in (
            ("a", "fail"),
            ("b", "pass"),
            ("c", "error"),
            ("d", "skip"),
            ("e", "inconclusive"),
            ("f", "blind"),
        )
    ]

    (tmp_path / "r.json").write_text(
        json.dumps(RESULTS_FORMAT | {"columns": COLUMNS, "rows": rows})
    )
    known = read_known(tmp_path / "r.json")
    assert set(known.anyseed) == {("s", "a", "k")} and not known.seeds
    (tmp_path / "empty.yaml").write_text(textwrap.dedent("# nothing known yet\n"))
    assert len(read_known(tmp_path / "empty.yaml")) == 0


# ---- the gate against a fresh baseline (issue 12) --------------------------------------------


@pytest.mark.parametrize("seeds", [1, 9])  # 9: every seed the baseline recorded
def test_unchanged_scorer_passes_against_its_own_baseline_with_xfail_strict(pytester, seeds):
    """Known findings from a results file are keyed by seed: an unchanged scorer gated against
    its own fresh baseline passes under xfail_strict, on every seed."""
    from auditkit import bundled_scenarios

    folder = pytester.mkdir("scenarios")
    for name in ("bought-followers.yaml", "celebrity-borrowing.yaml", "inactivity-decay.yaml"):
        (folder / name).write_text((bundled_scenarios() / name).read_text())
    scenarios = [load_scenario(p) for p in sorted(folder.glob("*.yaml"))]
    results = audit(scenarios, [get_registry().scorer("kred")], seeds=9)
    assert (results.seeds["verdict"] == "fail").any() and (results.seeds["verdict"] == "pass").any()
    report.write(results, folder / "known-findings.json")
    pytester.makeini(
        "[pytest]\nxfail_strict = true\nauditkit_known = scenarios/known-findings.json\n"
    )
    result = pytester.runpytest(
        "scenarios", "--auditkit-scorer", "kred", "--auditkit-seeds", str(seeds)
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    outcomes = result.parseoutcomes()
    assert outcomes.get("xfailed", 0) > 0 and "failed" not in outcomes
    assert "xpassed" not in outcomes


def test_a_seed_that_now_fails_is_caught_and_a_fixed_one_is_xpass(tiny):
    """A finding known on one seed marks that seed only."""
    (tiny.path / "known.yaml").write_text(
        "- {scenario: tiny, check: gain, scorer: followers, seed: 8}\n"
        "- {scenario: tiny, check: lenient, scorer: kred, seed: 7}\n"
    )
    tiny.makeini("[pytest]\nxfail_strict = true\n")
    result = tiny.runpytest(
        "scenarios",
        "--auditkit-scorer",
        "kred",
        "--auditkit-scorer",
        "followers",
        "--auditkit-known",
        "known.yaml",
        "-rfxX",
    )
    out = result.stdout.str()
    # seed 7 of followers/gain was not recorded as known: still a failure
    assert "FAILED scenarios/tiny.yaml::tiny::gain[followers-seed7]" in out
    # kred passes 'lenient' on seed 7: the strict xfail says the finding is gone
    assert "lenient[kred-seed7]" in out and "XPASS(strict)" in out


def test_known_findings_yaml_in_a_scenario_folder_is_not_collected(tiny):
    (tiny.path / "scenarios" / "known-findings.yaml").write_text(
        "id: looks-like-one\nflaw: F1\n"
    )  # even when it looks like a scenario
    result = tiny.runpytest("scenarios", "--co", "-q", "--auditkit-scorer", "followers")
    assert "known-findings" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.OK


def test_a_folder_not_named_scenarios_collects_when_named(pytester):
    folder = pytester.mkdir("my-audits")
    (folder / "tiny.yaml").write_text(TINY)
    result = pytester.runpytest("my-audits", "--co", "-q", "--auditkit-scorer", "followers")
    assert "my-audits/tiny.yaml::tiny::" in result.stdout.str()
    # not named (the whole rootdir): left alone unless --auditkit
    result = pytester.runpytest("--co", "-q", "--auditkit-scorer", "followers")
    assert "tiny.yaml" not in result.stdout.str()


def test_pyargs_collects_the_installed_library(pytester):
    result = pytester.runpytest(
        "--pyargs", "auditkit.scenarios", "--co", "-q", "--auditkit-scorer", "followers"
    )
    assert result.ret == pytest.ExitCode.OK
    assert "bought-followers.yaml::bought-followers::gain[followers-seed108]" in result.stdout.str()
