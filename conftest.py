"""Settings shared by every test run, `pytest` alone included.

Static output mode is switched on before any kernel starts, so that nbval's kernels inherit it
and explorers produce the same self-contained HTML as the committed outputs.
"""

import os

os.environ.setdefault("LRUTILS_STATIC", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
