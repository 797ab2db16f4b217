"""pytest-qt runs every app test offscreen."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
