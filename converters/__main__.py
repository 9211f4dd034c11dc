"""``python -m converters`` runs the ``prelabel`` CLI."""

import sys

from .cli import main

sys.exit(main())
