"""The frozen app's entry point: `gan-studio` = studio.cli:main (the window without arguments).

studio.cli.main keeps torch's and onnxruntime's files in the user's data folder
(studio.runs.workspace.keep_to_user_folders) before either loads.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen child process must not rerun the CLI
    from studio.cli import main

    sys.exit(main())
