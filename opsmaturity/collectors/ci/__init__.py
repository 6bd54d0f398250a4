"""CI configuration read statically: GitLab CI, GitHub Actions, Jenkins and Azure
Pipelines.

collector.py runs it (its docstring lists every heuristic); files.py reads the files and
the scripts deploy jobs call; parsing.py is the YAML handling; gitlab.py, github.py,
jenkins.py and azure.py read each system into jobs; classify.py decides what a job is and
deploy.py how it deploys; analysis.py and state.py tie one analysis together; measures.py
publishes the ci.* measures.
"""
