import sys

from kontakt.cli import main

sys.exit(main())
