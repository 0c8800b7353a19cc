"""Layer 2, the plugin contract: what a scorer, behaviour, probe or renderer provides, and how
plugins are found.

- :mod:`~auditkit.plugin.hookspecs` -- the pluggy hooks a plugin implements;
- :mod:`~auditkit.plugin.registry` -- :class:`Registry`: entry-point discovery, failures isolated;
- :mod:`~auditkit.plugin.params` -- typed parameters shared by every kind of plugin;
- :mod:`~auditkit.plugin.scorer` -- :class:`Scorer`, :class:`Statement`, :func:`run_scorer`;
- :mod:`~auditkit.plugin.behaviour` -- :class:`Behaviour`, :class:`Cohort`;
- :mod:`~auditkit.plugin.probe` -- :class:`Probe`, :class:`Measurement` and the reasons there is
  no number (:class:`NotApplicable`, :class:`Blind`, :class:`Degenerate`);
- :mod:`~auditkit.plugin.renderer` -- :class:`Renderer` and the :class:`Document` it renders.

Imports only the data layer (and the foundation: errors, files, text).
"""
