"""`python -m rl train CONFIG.yaml [--set key=value ...]`."""

import sys

from rl.cli import main

sys.exit(main())
