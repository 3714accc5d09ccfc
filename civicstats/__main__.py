"""``python -m civicstats``: the same command as ``civicstats``."""

import sys

from civicstats.cli import main

sys.exit(main())
