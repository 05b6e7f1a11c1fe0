"""safeshare: sharing."""
