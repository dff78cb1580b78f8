"""`python -m netlab` runs the same entry point as the `netlab` command."""

import sys

from netlab.cli import main

sys.exit(main())
