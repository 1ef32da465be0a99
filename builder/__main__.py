"""`python -m builder` is the `builder` command."""

import sys

from builder.cli import main

sys.exit(main())
