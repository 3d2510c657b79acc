"""`python -m zones` runs the command line."""

from zones.cli import main

main()
