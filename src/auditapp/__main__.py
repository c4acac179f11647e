"""``python -m auditapp`` runs the command-line interface."""

from auditapp.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
