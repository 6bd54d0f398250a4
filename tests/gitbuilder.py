"""Tests build real repositories with the same fast-import writer the demo uses."""

from opsmaturity.app.demo.fastimport import T0, RepoBuilder, git

__all__ = ["T0", "RepoBuilder", "git"]
