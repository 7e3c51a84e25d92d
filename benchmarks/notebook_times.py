"""Time every notebook of the book (nothing is written): `make benchmarks`.

Budgets (per the book's issues): each notebook at most 60 s on a 2-core CPU unless its chapter
says otherwise, the whole book at most 8 minutes. The table is printed; no assertion is made,
since a timing depends on the machine. ``--jobs 2`` runs two notebooks at once, as ``make
execute`` and ``make test`` do: the wall-clock line is then the time the whole book takes.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from execute_notebooks import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
