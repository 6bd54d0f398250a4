"""Delivery platforms: deployments, changes, incidents and pipelines -> DORA measures.

measures.py turns the records any platform yields into the shared `<platform>.*` measures
(dora.py computes the five DORA metrics); gitlab/ and github/ read the platforms.
"""
