import sys

from tft_assets.cli import main

sys.exit(main())
