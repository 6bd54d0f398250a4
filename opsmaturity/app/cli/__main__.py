"""`python -m opsmaturity.app.cli`: the same as the `opsmaturity` command."""

from . import main

main()
