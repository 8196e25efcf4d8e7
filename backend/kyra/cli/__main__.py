"""``python -m kyra.cli``: how ``kyra up`` starts its children without relying on PATH."""

import sys

from kyra.cli import main

sys.exit(main())
