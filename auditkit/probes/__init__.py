"""auditkit's built-in probes, registered through the ``probes`` entry point in auditkit's own
``pyproject.toml`` like a third-party plugin's.

Modules: ``core`` (the probes of simulated scenarios: percentiles, gains, decay, correlation,
spread, disparity, churn) and ``realdata`` (the probes only a real base world can answer).
"""

from auditkit.plugin.hookspecs import hookimpl
from auditkit.probes.core import BUILT_IN_PROBES
from auditkit.probes.realdata import REALDATA_PROBES

__all__ = ["register_probes"]


@hookimpl
def register_probes(register):
    for probe in (*BUILT_IN_PROBES, *REALDATA_PROBES):
        register(probe)
