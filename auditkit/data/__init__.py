"""Layer 1, the data: the world and everything that makes or loads one.

- :mod:`~auditkit.data.world` -- :class:`World`, the columnar accounts/follows/events tables,
  reading and writing them (``docs/world-format.md``);
- :mod:`~auditkit.data.draft` -- :class:`Draft`, a world under construction with named random
  streams (what behaviours add to);
- :mod:`~auditkit.data.rows` -- large columns taken and concatenated two at a time;
- :mod:`~auditkit.data.synth` -- the synthetic social population generator;
- :mod:`~auditkit.data.truth` -- ground truth: expected spread by Monte Carlo cascades;
- :mod:`~auditkit.data.importers` -- public data sets and exports turned into worlds;
- :mod:`~auditkit.data.datasets` -- fetch/load of the public data sets, with checksums.

Nothing here imports from a higher layer (plugin contract, scenarios, audit, reports).
"""
