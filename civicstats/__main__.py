"""``python -m civicstats``: the same command as ``civicstats``."""

import sys

from civicstats.cli import main

__all__: list[str] = []

sys.exit(main())
