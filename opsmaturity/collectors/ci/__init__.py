"""CI configuration read statically: GitLab CI, GitHub Actions and Jenkins.

collector.py runs it (its docstring lists every heuristic); files.py reads the files and
the scripts deploy jobs call; parsing.py is the YAML handling; gitlab.py, github.py and
jenkins.py read each system into jobs; classify.py decides what a job is and deploy.py how
it deploys; analysis.py and state.py tie one analysis together; measures.py publishes the
ci.* measures.
"""
