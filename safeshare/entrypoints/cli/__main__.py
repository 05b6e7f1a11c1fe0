"""`python -m safeshare.entrypoints.cli` runs the command line."""

from safeshare.entrypoints.cli.main import app

app()
