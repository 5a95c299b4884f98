"""``python -m descent ...``: the descent command line (``view``, ``render``, ``run``, ``bench``)."""

import sys

from . import _native

if __name__ == "__main__":
    sys.exit(_native.main(sys.argv[1:]))
