"""examples/descent.ipynb runs top to bottom and shows the saddle animation inline; the copy
in the repository has its outputs stored, small enough to keep."""

from __future__ import annotations

import base64
import json
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "descent.ipynb"


def embedded_gifs(nb: dict) -> list[bytes]:
    gifs = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            prefix = 'src="data:image/gif;base64,'
            if prefix in html:
                start = html.index(prefix) + len(prefix)
                gifs.append(base64.b64decode(html[start:html.index('"', start)]))
    return gifs


def test_the_stored_notebook_has_the_animation_inline_and_is_small():
    nb = json.loads(NOTEBOOK.read_text())
    gifs = embedded_gifs(nb)
    assert len(gifs) == 1 and gifs[0][:6] == b"GIF89a"
    assert NOTEBOOK.stat().st_size < 3 * 1024 * 1024


def test_the_notebook_runs_top_to_bottom_and_shows_the_animation():
    import nbclient
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    gifs = embedded_gifs(json.loads(nbformat.writes(nb)))
    assert len(gifs) == 1 and gifs[0][:6] == b"GIF89a"
    # The still is a PNG output, the arrays a text one.
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert any("(2, 201, 2)" in o.get("text", "") for o in outputs)
