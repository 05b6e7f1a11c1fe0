"""safeshare: safeshare/cli."""
