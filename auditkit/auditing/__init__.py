"""Layer 4, the audit: scenarios x seeds x scorers, as independent tasks run by an executor.
(The package is named ``auditing`` so that it does not shadow :func:`auditkit.audit`.)

- :mod:`~auditkit.auditing.engine` -- :func:`audit`: the task list and the verdict of each check;
- :mod:`~auditkit.auditing.results` -- :class:`Results`, the tidy table and its JSON form;
- :mod:`~auditkit.auditing.executor` -- how tasks run (serial; parallel executors plug in here)
  and the per-scoring time limit.

The audit gets every scorer, behaviour and probe through the registry; it imports none.
"""
