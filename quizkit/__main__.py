"""`python -m quizkit` runs the same command line as `quizkit`."""

import sys

from quizkit.cli import main

sys.exit(main())
