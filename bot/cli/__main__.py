"""`python -m bot.cli …`, as the tests and benches start `suqiu` from a checkout."""

import sys

from bot.cli import main

sys.exit(main())
