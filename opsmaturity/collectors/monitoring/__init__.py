"""Monitoring: alert rules, routing and alert history -> monitoring measures.

rules.py is the rule model and its classification (symptom or cause, what it covers),
measures.py the measures, files.py/history.py the file and history readers; sources/ holds
one module per tool (prometheus, alertmanager, grafana, kapacitor).
"""
