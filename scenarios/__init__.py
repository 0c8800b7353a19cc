"""auditkit's scenario library (YAML files), shipped as ``auditkit.scenarios``."""
