"""Sub-commands of the kontakt CLI, one module each (see kontakt/cli.py)."""
