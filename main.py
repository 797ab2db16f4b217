"""Start GAN Studio: `python main.py` (or `make run`) opens the studio window.

On a machine without a display it says so and lists the headless commands instead.
"""

import sys

from studio.cli import main

if __name__ == "__main__":
    sys.exit(main([]))
