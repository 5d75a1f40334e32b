"""`python -m genlib`: the command line (see genlib/cli.py)."""
import sys

from .cli import main

sys.exit(main())
