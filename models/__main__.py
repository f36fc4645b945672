"""`python -m models`: nngate's commands, run in this checkout (nngate.cli)."""

import sys

from nngate.cli import main

if __name__ == "__main__":
    sys.exit(main())
