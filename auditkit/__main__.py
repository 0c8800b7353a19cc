"""``python -m auditkit`` runs the command line (through :mod:`auditkit.launcher`)."""

from auditkit.launcher import main

if __name__ == "__main__":
    main()
