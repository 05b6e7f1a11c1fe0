"""The command line: `safeshare` (typer)."""
