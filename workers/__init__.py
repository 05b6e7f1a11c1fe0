"""safeshare: workers."""
