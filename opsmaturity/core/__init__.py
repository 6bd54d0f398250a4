"""What every layer shares, so each concept has one home.

evidence (EvidenceSet, Measure, Coverage, windows), sources (the line-aware YAML/JSON
loader and its `file:line` error), stats (median, p90), times (clock and time parsing),
files (atomic writes, cache directories), privacy (pseudonyms, redaction) and http (the
retry policy). `core` imports nothing else of ours: every other package may import it.
"""
