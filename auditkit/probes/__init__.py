"""auditkit's built-in probes, registered through the ``probes`` entry point in auditkit's own
``pyproject.toml`` like a third-party plugin's."""

from auditkit.probes.core import register_probes

__all__ = ["register_probes"]
