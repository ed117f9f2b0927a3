"""``python -m zoneplan`` runs the command line."""

from zoneplan.cli import main

raise SystemExit(main())
