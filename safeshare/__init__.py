"""safeshare: safeshare."""
