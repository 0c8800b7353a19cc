"""``python -m auditkit`` runs the command line."""

from auditkit.cli import main

if __name__ == "__main__":
    main()
