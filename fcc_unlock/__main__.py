from fcc_unlock.cli import main

raise SystemExit(main())
