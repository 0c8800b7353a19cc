"""``junit``: JUnit XML, the test-report format every CI server shows natively.

One ``<testsuite>`` per suite of the document's cases (a scenario, a conformance run, an
attack search), one ``<testcase>`` per case; a failed check is a ``<failure>`` whose message is
the finding sentence, a scorer or probe that broke is an ``<error>``, a check that could not be
measured is ``<skipped>``. The structure is the one Jenkins' JUnit schema (junit-10.xsd, used by
Jenkins, GitLab and GitHub test reporters) describes; ``tests/data/junit.xsd`` is the schema the
tests validate against.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from auditkit.plugin.renderer import Case, Document, Renderer

__all__ = ["JUnitRenderer"]

#: the element a non-passing case gets
_ELEMENT = {"fail": "failure", "error": "error", "skip": "skipped"}


class JUnitRenderer(Renderer):
    id = "junit"
    suffixes = (".xml",)
    description = "JUnit XML for CI test views: one test case per verdict"

    def render(self, document: Document) -> str:
        suites: dict[str, list[Case]] = defaultdict(list)
        for case in document.cases:
            suites[case.suite].append(case)
        root = ET.Element("testsuites", name=document.title)
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        seconds = 0.0
        for name, cases in suites.items():
            counts = {
                "tests": len(cases),
                "failures": sum(c.status == "fail" for c in cases),
                "errors": sum(c.status == "error" for c in cases),
                "skipped": sum(c.status == "skip" for c in cases),
            }
            time = sum(c.seconds for c in cases)
            attrs = {"name": name, **{k: str(v) for k, v in counts.items()}, "time": f"{time:.3f}"}
            suite = ET.SubElement(root, "testsuite", attrs)
            for case in cases:
                element = ET.SubElement(
                    suite, "testcase", name=case.name, classname=name, time=f"{case.seconds:.3f}"
                )
                tag = _ELEMENT.get(case.status)
                if tag is not None:
                    child = ET.SubElement(element, tag, message=_one_line(case.message))
                    if tag != "skipped":
                        child.set("type", case.status)
                    child.text = case.detail or case.message
            for key, value in counts.items():
                totals[key] += value
            seconds += time
        for key, value in totals.items():
            root.set(key, str(value))
        root.set("time", f"{seconds:.3f}")
        ET.indent(root)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode")
            + "\n"
        )


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 1000 else line[:997] + "..."
