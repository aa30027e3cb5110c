import sys

from optionrules.cli import main

sys.exit(main())
