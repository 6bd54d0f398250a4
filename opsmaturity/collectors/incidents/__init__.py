"""Incidents: records from paging and ticketing exports -> incident measures.

sources/ reads one tool per module into `IncidentRecord` (record.py); merge.py joins the
same incident seen by several tools; measures.py measures; collector.py runs it all.
"""
