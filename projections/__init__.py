"""safeshare: projections."""
