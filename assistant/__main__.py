"""`python -m assistant …`: the terminal face of Zenrei."""

import sys

from .cli import main

sys.exit(main())
