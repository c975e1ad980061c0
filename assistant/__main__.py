"""`python -m assistant` runs the same entry point as the `hearth` command."""
import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main())
