from lbrec.cli import main

raise SystemExit(main())
