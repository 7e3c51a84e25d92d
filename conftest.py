"""Settings shared by every test run, `pytest` alone included.

The notebooks' kernel environment (static explorer output, quiet TensorFlow) is set before any
kernel starts, so nbval's kernels see exactly what `make execute` used for the committed outputs.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))

from execute_notebooks import NOTEBOOK_ENV  # noqa: E402

os.environ.update(NOTEBOOK_ENV)

# nbval_approx: numbers within a tolerance for cells tagged nbval-approx (float training output);
# pytester: the plugin's own tests run pytest on small notebooks.
pytest_plugins = ["nbval_approx", "pytester"]
