"""One reader per monitoring tool, each filling the shared Harvest."""
