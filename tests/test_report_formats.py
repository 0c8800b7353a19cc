"""The output formats every report goes through: HTML (opened in a real headless browser from a
file:// URL, offline), JUnit XML (validated against the JUnit schema), Markdown and text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from browser import is_blank, load

from auditkit import audit, bundled_scenarios, get_registry, load_scenarios
from auditkit.plugin.renderer import Document, Figure, Heading, Paragraph, Table
from auditkit.report import render, write
from auditkit.report.figures import new_figure, svg_of
from auditkit.report.formats.html import SIZE_BOUND

SCHEMA = Path(__file__).parent / "data" / "junit.xsd"


@pytest.fixture(scope="module")
def results():
    registry = get_registry()
    scenarios = load_scenarios(
        [bundled_scenarios() / "spam-squirrel.yaml", bundled_scenarios() / "bought-followers.yaml"],
        registry,
    )
    return audit(
        scenarios, [registry.scorer("followers"), registry.scorer("kred")], registry=registry
    )


def _figure() -> Figure:
    fig = new_figure(4, 2.5)
    ax = fig.add_subplot()
    ax.bar(["pass", "fail"], [3, 5], color=["#009E73", "#D55E00"])
    ax.set_title("verdicts")
    return Figure("Verdicts by kind", "Three checks passed and five failed.", svg_of(fig))


def test_figures_are_deterministic_svg():
    a, b = _figure().svg, _figure().svg
    assert a == b and a.lstrip().startswith("<?xml") and "<svg" in a
    assert "verdicts" in a  # text stays text: searchable, and read by screen readers


def test_html_is_one_self_contained_file(results, tmp_path):
    path = write(results, tmp_path / "report.html")
    text = path.read_text()
    assert text.startswith("<!DOCTYPE html>") and '<html lang="en">' in text
    # nothing is fetched: no external script, style sheet, font, image or link target
    assert not re.search(r"""(src|href)=["'](https?:)?//""", text)
    assert "<script" not in text and "@import" not in text and "url(" not in text
    assert len(text.encode()) < SIZE_BOUND


def test_html_report_in_a_real_browser(results, tmp_path):
    doc = Document(
        "audit",
        "Browser check",
        [
            Heading("Scorecard", 1),
            Table(
                ["check", "followers"], [["bought-followers gain", "FAIL 59"]], tones=[["", "bad"]]
            ),
            Heading("A picture", 1),
            _figure(),
            Paragraph("The end."),
        ],
    )
    page_path = tmp_path / "doc.html"
    page_path.write_text(render(doc, "html"))
    audit_path = write(results, tmp_path / "audit.html")
    for path, expect in ((page_path, "Browser check"), (audit_path, "auditkit scorecard")):
        page = load(path)
        assert page.title == expect
        assert page.errors == [], page.errors
        assert page.network(path.resolve().as_uri()) == [], "the report fetched something"
        assert not is_blank(page.screenshot)
        assert expect in page.text


def test_junit_validates_and_counts_match(results):
    import xmlschema

    text = render(results, "junit")
    xmlschema.XMLSchema(str(SCHEMA)).validate(text)
    root = ET.fromstring(text)
    counts = results.counts()
    assert int(root.get("failures")) == counts["fail"]
    assert int(root.get("errors")) == counts["error"]
    assert int(root.get("skipped")) == counts["skip"]
    assert int(root.get("tests")) == len(results.table)
    failure = root.find(".//failure")
    finding = results.table[results.table["verdict"] == "fail"]["finding"].iloc[0]
    assert failure is not None and failure.get("message") == finding


def test_junit_schema_rejects_a_malformed_report():
    """A control: the schema can fail (a test case without its required name)."""
    import xmlschema

    bad = '<testsuites><testsuite name="s" tests="1"><testcase/></testsuite></testsuites>'
    assert not xmlschema.XMLSchema(str(SCHEMA)).is_valid(bad)


def test_format_follows_the_file_extension(results, tmp_path):
    for name, start in (
        ("r.json", "{"),
        ("r.md", "# "),
        ("r.xml", "<?xml"),
        ("r.html", "<!DOCTYPE html>"),
        ("r.txt", "auditkit scorecard"),
    ):
        assert write(results, tmp_path / name).read_text().startswith(start), name


def test_the_browser_check_sees_a_fetch_and_a_script_error(tmp_path):
    """A control for the browser test: a page that fetches and throws is caught."""
    path = tmp_path / "bad.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title>bad</title></head><body>x"
        '<img src="http://127.0.0.1:9/x.png" alt="">'
        '<script>throw new Error("boom")</script></body></html>'
    )
    page = load(path)
    assert page.network(path.resolve().as_uri()) == ["http://127.0.0.1:9/x.png"]
    assert any("boom" in e["message"] for e in page.errors)


def test_report_command_renders_a_results_file(results, tmp_path):
    from click.testing import CliRunner

    from auditkit.cli import main

    source = write(results, tmp_path / "results.json")
    out = tmp_path / "memo.html"
    run = CliRunner().invoke(main, ["report", str(source), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    run = CliRunner().invoke(main, ["report", str(source), "--format", "junit"])
    assert run.exit_code == 0 and run.stdout.startswith("<?xml")
    (tmp_path / "bad.json").write_text('{"format": "auditkit-results", "version": 1, "rows": 3')
    run = CliRunner().invoke(main, ["report", str(tmp_path / "bad.json")])
    assert run.exit_code == 2 and "bad.json, line 1, column" in run.output
    assert "Traceback" not in run.output


def test_github_step_summary_gets_the_markdown(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from auditkit.cli import main

    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run = CliRunner().invoke(
        main,
        [
            "audit",
            str(bundled_scenarios() / "spam-squirrel.yaml"),
            "--scorer",
            "followers",
            "--format",
            "json",
        ],
    )
    assert run.exit_code == 0, run.output
    assert summary.read_text().startswith("# auditkit scorecard")
