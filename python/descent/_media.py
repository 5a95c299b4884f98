"""What ``render`` returns: a file a notebook shows by itself.

A still through ``_repr_png_``; a GIF or a video through ``_repr_html_`` with the bytes
embedded (base64), so JupyterLab, classic Jupyter and VS Code show it without a file server.
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

_VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".mov": "video/quicktime", ".mkv": "video/x-matroska"}


class Media:
    """A rendered file (or a folder of PNG frames).

    ``path``: where it is; ``kind``: "still", "gif", "video", "pngs" or "start_map";
    ``frames``: how many frames were written; ``save(path)`` copies it.
    """

    def __init__(self, path: str | os.PathLike, kind: str, frames: int = 1, seconds: float = 0.0,
                 start_maps: list | None = None):
        self.path = Path(path)
        self.kind = kind
        self.frames = frames
        self.seconds = seconds
        self.start_maps = [Path(p) for p in (start_maps or [])]

    def __repr__(self) -> str:
        return f"<descent.Media {self.kind} {str(self.path)!r}, {self.frames} frame(s)>"

    @property
    def data(self) -> bytes:
        """The file's bytes (the last frame's, for a folder of frames)."""
        return self._shown().read_bytes()

    def _shown(self) -> Path:
        if self.kind == "pngs":
            frames = sorted(self.path.glob("frame_*.png"))
            if not frames:
                raise FileNotFoundError(f"no frames in {self.path}")
            return frames[-1]
        return self.path

    def save(self, path: str | os.PathLike) -> Path:
        """Copies the file (or the folder of frames) to `path`; returns where it went."""
        dest = Path(path)
        if self.kind == "pngs":
            shutil.copytree(self.path, dest, dirs_exist_ok=True)
        else:
            shutil.copyfile(self.path, dest)
        return dest

    def _repr_png_(self):
        if self.kind in ("still", "start_map", "pngs"):
            return self.data
        return None

    def _repr_html_(self):
        if self.kind == "gif":
            b64 = base64.b64encode(self.path.read_bytes()).decode("ascii")
            return f'<img src="data:image/gif;base64,{b64}" alt="{self.path.name}"/>'
        if self.kind == "video":
            mime = _VIDEO_TYPES.get(self.path.suffix.lower(), "video/mp4")
            b64 = base64.b64encode(self.path.read_bytes()).decode("ascii")
            return (f'<video controls autoplay loop muted playsinline>'
                    f'<source src="data:{mime};base64,{b64}" type="{mime}"/></video>')
        return None
