"""The witness side: a local authority or trust auditor cosigns a school's checkpoints."""
