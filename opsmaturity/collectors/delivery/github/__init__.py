"""GitHub: workflow runs, deployments, releases, pull requests and incident issues, cached."""
