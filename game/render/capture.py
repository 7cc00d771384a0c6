"""Screenshots (PNG) and animated-GIF recordings of the view, for slides.

pygame cannot write GIFs; Pillow (one of the app's dependencies) does. Frames are quantised here
to one fixed 256-colour palette, so colours do not flicker between frames.

Output files get fresh names in the per-user folder and are created with O_EXCL (and
O_NOFOLLOW where the system has it): a file or a symlink planted at the predictable name is
skipped for the next name, never written through.
"""

from __future__ import annotations

import errno
import os
import threading
import time
import zlib
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pygame

# A 6 x 6 x 6 colour cube plus a 40-step grey ramp: the view is mostly greys (walls, floor,
# panels, text), which a cube alone would tint.
_CUBE = 6
_GREYS = 256 - _CUBE**3


def _palette() -> np.ndarray:
    levels = np.round(np.linspace(0, 255, _CUBE)).astype(np.uint8)
    cube = np.array([(r, g, b) for r in levels for g in levels for b in levels], np.uint8)
    greys = np.round(np.linspace(0, 255, _GREYS)).astype(np.uint8)
    return np.concatenate([cube, np.repeat(greys[:, None], 3, axis=1)])


PALETTE = _palette()


def quantise(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB to (H, W) uint8 indices into PALETTE (near-greys to the grey ramp)."""
    rgb = rgb.astype(np.int16)
    hi, lo = rgb.max(axis=2), rgb.min(axis=2)
    cube = (rgb * (_CUBE - 1) + 127) // 255
    index = cube[..., 0] * _CUBE * _CUBE + cube[..., 1] * _CUBE + cube[..., 2]
    grey = _CUBE**3 + (rgb.sum(axis=2) * (_GREYS - 1) + 382) // 765
    return np.where(hi - lo <= 24, grey, index).astype(np.uint8)  # the UI greys lean slightly blue


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def create_unique(folder: Path, stem: str, suffix: str) -> tuple[Path, BinaryIO]:
    """A new file folder/stem-YYYYmmdd-HHMMSS.suffix (then -2, -3 ...), created and opened here.

    Creation is exclusive, so whatever already has a name (a file, a directory, a symlink to
    anywhere) only moves us on to the next name.
    """
    base = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    for n in range(1, 10_000):
        path = Path(folder) / (f"{base}{suffix}" if n == 1 else f"{base}-{n}{suffix}")
        try:
            fd = os.open(path, _NEW_FILE, 0o644)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EISDIR):  # a symlink or folder, on a system that says so
                continue
            raise
        return path, os.fdopen(fd, "wb")
    raise FileExistsError(f"no free file name for {base}{suffix} in {folder}")


def save_screenshot(surface: pygame.Surface, folder: Path) -> Path:
    path, out = create_unique(folder, "reddoor", ".png")
    with out:
        pygame.image.save(surface, out, path.name)
    return path


def write_gif(out: Path | BinaryIO, frames: Iterable[np.ndarray], delay_ms: int = 100) -> None:
    """Write quantised frames (all the same shape; any iterable, consumed once) as a looping GIF."""
    from PIL import Image  # only when a recording is written: keeps the app's start quick

    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise ValueError("no frames to write")
    flat = PALETTE.ravel().tolist()

    def image(f: np.ndarray):
        im = Image.fromarray(f, "P")
        im.putpalette(flat)
        return im

    image(first).save(
        out,
        format="GIF",
        save_all=True,
        append_images=(image(f) for f in frames),
        duration=delay_ms,
        loop=0,
        optimize=False,
    )


class GifRecorder:
    """Collects frames at `fps` while recording; `stop` writes the GIF on a background thread.

    Capturing only copies the pixels; quantising and compressing each frame happens on a worker
    thread, so recording does not stutter the view. Frames are kept zlib-compressed (a UI frame
    shrinks about twentyfold), so half a minute at full width fits in a few tens of MB.
    """

    def __init__(self, fps: float = 10.0, max_width: int = 1280, max_seconds: float = 30.0):
        self.fps = fps
        self.max_width = max_width
        self.max_frames = int(fps * max_seconds)
        self.path: Path | None = None
        self._file: BinaryIO | None = None  # created when recording starts, written at stop
        self._frames: list[Future] = []
        self._shape: tuple[int, int] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._since = 0.0
        self._thread: threading.Thread | None = None
        self.result: tuple[str, str] | None = None  # ("saved"|"failed", message) once writing ends

    @property
    def recording(self) -> bool:
        return self.path is not None

    @property
    def writing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def frame_count(self) -> int:
        return len(self._frames)

    def start(self, folder: Path) -> Path:
        self.path, self._file = create_unique(folder, "reddoor", ".gif")
        self._frames, self._shape = [], None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gif-frames")
        self._since = 1.0 / self.fps  # take the first frame at once
        self.result = None
        return self.path

    def elapsed(self) -> float:
        return len(self._frames) / self.fps

    def capture(self, surface: pygame.Surface, dt: float) -> bool:
        """Take a frame if one is due; True when the length limit was reached (stop then)."""
        if not self.recording:
            return False
        self._since += dt
        if self._since + 1e-9 >= 1.0 / self.fps:
            self._since = 0.0
            w, h = surface.get_size()
            if w > self.max_width:
                surface = pygame.transform.smoothscale(surface, (self.max_width, max(1, round(h * self.max_width / w))))
            size = surface.get_size()
            if self._shape is None:
                self._shape = (size[1], size[0])
            raw = pygame.image.tobytes(surface, "RGB")
            self._frames.append(self._pool.submit(_pack_frame, raw, size, self._shape))
        return len(self._frames) >= self.max_frames

    def stop(self, background: bool = True) -> Path | None:
        path, out, frames, pool = self.path, self._file, self._frames, self._pool
        self.path, self._file, self._frames, self._pool = None, None, [], None
        if path is None:
            return None
        if not frames:
            pool.shutdown(wait=False)
            out.close()
            path.unlink(missing_ok=True)  # the empty file made at start
            self.result = ("failed", "no frames were recorded")
            return None

        def work():
            try:
                with out:
                    write_gif(out, (_unpack_frame(f.result()) for f in frames), round(1000 / self.fps))
                self.result = ("saved", str(path))
            except Exception as exc:  # disk full, permissions: say so, keep running
                self.result = ("failed", f"{type(exc).__name__}: {exc}")
                path.unlink(missing_ok=True)  # half a GIF is no use to anyone
            finally:
                pool.shutdown(wait=False)

        if background:
            self._thread = threading.Thread(target=work, name="gif-writer", daemon=True)
            self._thread.start()
        else:
            work()
        return path

    def finish(self, timeout: float = 60.0) -> None:
        """Stop recording and wait for the GIF to be written (the app is closing)."""
        if self.recording:
            self.stop(background=False)
        if self._thread is not None:
            self._thread.join(timeout)


def _pack_frame(raw: bytes, size: tuple[int, int], shape: tuple[int, int]) -> tuple[tuple[int, int], bytes]:
    rgb = np.frombuffer(raw, np.uint8).reshape(size[1], size[0], 3)
    frame = quantise(rgb)
    if frame.shape != shape:  # the window was resized while recording
        frame = _fit(frame, shape)
    return shape, zlib.compress(frame.tobytes(), 1)


def _unpack_frame(packed: tuple[tuple[int, int], bytes]) -> np.ndarray:
    shape, data = packed
    return np.frombuffer(zlib.decompress(data), np.uint8).reshape(shape)


def _fit(frame: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    out = np.zeros(shape, np.uint8)
    h, w = min(shape[0], frame.shape[0]), min(shape[1], frame.shape[1])
    out[:h, :w] = frame[:h, :w]
    return out
