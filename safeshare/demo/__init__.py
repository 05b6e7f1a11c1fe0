"""The demonstration school: realistic cases, and loopback agencies (SMTP with STARTTLS, HTTPS)
that tests, benchmarks and `make run` use as inboxes."""
