"""Git history: the collector, the streaming `git log` reader, path rules, ownership.

repository.py opens, validates and clones with GitPython; log.py streams `git log` (the
hot path); ../paths.py (shared with ci/) classifies files; ownership.py measures who
knows the code.
"""
