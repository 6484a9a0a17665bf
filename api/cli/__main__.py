"""`python -m api.cli`: the atmp-kg command line without the installed console script."""

from api.cli.app import main

main()
