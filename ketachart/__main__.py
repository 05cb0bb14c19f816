import sys

from ketachart.app import main

sys.exit(main())
