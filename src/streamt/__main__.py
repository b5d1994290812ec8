from streamt.cli import main

raise SystemExit(main())
