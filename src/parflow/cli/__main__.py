"""`python -m parflow.cli`."""

from parflow.cli import main

main()
