"""``python -m zoneplan`` runs the command line."""

from zoneplan.cli.main import main

raise SystemExit(main())
