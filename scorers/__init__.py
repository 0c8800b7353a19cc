"""auditkit's built-in scorers, one module each, registered through the ``auditkit`` entry points
in auditkit's own ``pyproject.toml`` exactly like a third-party plugin."""
