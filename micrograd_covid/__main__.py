"""`python -m micrograd_covid` runs the command line."""

from .cli import main

raise SystemExit(main())
