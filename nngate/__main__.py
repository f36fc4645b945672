"""`python -m nngate`: the console script's commands (nngate.cli)."""

import sys

from nngate.cli import main

if __name__ == "__main__":
    sys.exit(main())
