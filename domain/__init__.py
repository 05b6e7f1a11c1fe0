"""The pure model of safeguarding concerns and the school's Information Sharing Policy.

Nothing here does I/O or reads a clock: time comes in as an argument or from an event.
"""
