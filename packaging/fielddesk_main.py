"""PyInstaller's entry script: the bundle's executable runs exactly `python -m app`."""

import sys

from app.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
