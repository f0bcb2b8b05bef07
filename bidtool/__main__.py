"""`python -m bidtool`, the same as the console script."""

import sys

from bidtool.cli import main

sys.exit(main())
