"""GitLab: pipelines, jobs, deployments, merge requests and incident issues, cached."""
