"""`python -m safeshare.cli` runs the command line."""

from safeshare.cli.main import app

app()
