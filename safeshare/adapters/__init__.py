"""Adapters: the event store and its recorders, the key store, sealing, PostgreSQL, timestamping,
the audit key and store, mail."""
