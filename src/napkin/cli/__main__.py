"""`python -m napkin.cli`: the same as the `napkin` command."""

from napkin.cli import main

main()
