"""Layer 3, scenarios: the YAML model of a scenario and the worlds one builds.

- :mod:`~auditkit.scenario.model` -- :class:`Scenario` and its parts; loading and validating
  files with file, line and field in every error;
- :mod:`~auditkit.scenario.schema` -- the JSON Schema of scenario files;
- :mod:`~auditkit.scenario.run` -- :class:`ScenarioRun`: the treated and control worlds of one
  scenario and seed, and the scores cached on them;
- :mod:`~auditkit.scenario.library` -- the bundled scenario library.
"""
