"""`python -m dbworkbench` runs the command-line front end."""

from __future__ import annotations

import sys

from dbworkbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
