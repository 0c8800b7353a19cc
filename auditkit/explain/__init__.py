"""Teaching tools built on the audit: ``auditkit explain`` (the smallest world that shows a
finding, found by delta debugging) and ``auditkit export`` (a scenario's worlds as files).

- :mod:`~auditkit.explain.ddmin` -- Zeller's minimising delta debugging;
- :mod:`~auditkit.explain.shrink` -- a scenario run cut down to chosen accounts, follows and
  events, and the search for the smallest one in which a finding holds;
- :mod:`~auditkit.explain.explanation` -- the finding, its contrast, and the explanation as data;
- :mod:`~auditkit.explain.export` -- world directories with their ground truth.

The report layer turns an :class:`Explanation` into a document with a picture
(``auditkit.report.explain``).
"""

from auditkit.explain.ddmin import Minimised, ddmin
from auditkit.explain.explanation import Explanation, Finding, explain_scenario
from auditkit.explain.export import export_run, write_built
from auditkit.explain.shrink import SmallRun, Universe, shrink

__all__ = [
    "ddmin",
    "Minimised",
    "Explanation",
    "Finding",
    "explain_scenario",
    "export_run",
    "write_built",
    "SmallRun",
    "Universe",
    "shrink",
]
