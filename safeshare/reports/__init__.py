"""Reports people read: the governors' timeliness report."""
