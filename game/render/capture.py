"""Screenshots (PNG) and animated-GIF recordings of the view, for slides.

pygame cannot write GIFs. Frames are quantised here to one fixed 256-colour palette (so colours
do not flicker between frames) and written by Pillow when it is installed; otherwise by the small
LZW encoder below, which only encodes the rectangle that changed since the previous frame.
"""
from __future__ import annotations

import itertools
import struct
import threading
import time
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

import numpy as np
import pygame

# A 6 x 6 x 6 colour cube plus a 40-step grey ramp: the view is mostly greys (walls, floor,
# panels, text), which a cube alone would tint.
_CUBE = 6
_GREYS = 256 - _CUBE ** 3


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
    grey = _CUBE ** 3 + (rgb.sum(axis=2) * (_GREYS - 1) + 382) // 765
    return np.where(hi - lo <= 24, grey, index).astype(np.uint8)  # the UI greys lean slightly blue


def unique_path(folder: Path, stem: str, suffix: str) -> Path:
    """folder/stem-YYYYmmdd-HHMMSS.suffix, with -2, -3 ... when that name is taken."""
    base = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    path = folder / f"{base}{suffix}"
    n = 2
    while path.exists():
        path = folder / f"{base}-{n}{suffix}"
        n += 1
    return path


def save_screenshot(surface: pygame.Surface, folder: Path) -> Path:
    path = unique_path(folder, "reddoor", ".png")
    pygame.image.save(surface, str(path))
    return path


def write_gif(path: Path, frames: Iterable[np.ndarray], delay_ms: int = 100) -> Path:
    """Write quantised frames (all the same shape; any iterable, consumed once) as a looping GIF."""
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise ValueError("no frames to write")
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is None:
        return write_gif_plain(path, itertools.chain([first], frames), delay_ms)
    flat = PALETTE.ravel().tolist()

    def image(f: np.ndarray):
        im = Image.fromarray(f, "P")
        im.putpalette(flat)
        return im

    image(first).save(str(path), save_all=True, append_images=(image(f) for f in frames),
                      duration=delay_ms, loop=0, optimize=False)
    return path


# -- a small GIF89a encoder (used when Pillow is missing) ---------------------------------------
def write_gif_plain(path: Path, frames: Iterable[np.ndarray], delay_ms: int = 100) -> Path:
    frames = iter(frames)
    first = next(frames)
    h, w = first.shape
    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", w, h, 0xF7, 0, 0)  # global colour table, 256 entries
    out += PALETTE.tobytes()
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    prev = None
    delay = max(2, round(delay_ms / 10))
    for frame in itertools.chain([first], frames):
        if prev is None:
            top, left, bottom, right = 0, 0, h, w
        else:
            diff = np.nonzero(frame != prev)
            if len(diff[0]) == 0:
                top, left, bottom, right = 0, 0, 1, 1
            else:
                top, bottom = int(diff[0].min()), int(diff[0].max()) + 1
                left, right = int(diff[1].min()), int(diff[1].max()) + 1
        prev = frame
        sub = frame[top:bottom, left:right]
        out += b"\x21\xf9\x04" + struct.pack("<BHBB", 0x04, delay, 0, 0)  # keep previous frame
        out += b"\x2c" + struct.pack("<HHHHB", left, top, right - left, bottom - top, 0)
        out += b"\x08"
        data = _lzw(sub.tobytes(), 8)
        for i in range(0, len(data), 255):
            chunk = data[i:i + 255]
            out += bytes([len(chunk)]) + chunk
        out += b"\x00"
    out += b"\x3b"
    Path(path).write_bytes(bytes(out))
    return Path(path)


def _lzw(pixels: bytes, min_size: int) -> bytes:
    clear, end = 1 << min_size, (1 << min_size) + 1
    size = min_size + 1
    table = {bytes([i]): i for i in range(clear)}
    next_code = end + 1
    acc = nbits = 0
    out = bytearray()

    def emit(code: int) -> None:
        nonlocal acc, nbits
        acc |= code << nbits
        nbits += size
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8

    emit(clear)
    prefix = b""
    for byte in pixels:
        candidate = prefix + bytes((byte,))
        if candidate in table:
            prefix = candidate
            continue
        emit(table[prefix])
        if next_code < 4096:
            table[candidate] = next_code
            next_code += 1
            if next_code > (1 << size) and size < 12:
                size += 1
        else:
            emit(clear)
            table = {bytes([i]): i for i in range(clear)}
            next_code = end + 1
            size = min_size + 1
        prefix = bytes((byte,))
    if prefix:
        emit(table[prefix])
    emit(end)
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


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
        self.path = unique_path(folder, "reddoor", ".gif")
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
        path, frames, pool = self.path, self._frames, self._pool
        self.path, self._frames, self._pool = None, [], None
        if path is None:
            return None
        if not frames:
            pool.shutdown(wait=False)
            self.result = ("failed", "no frames were recorded")
            return None

        def work():
            try:
                write_gif(path, (_unpack_frame(f.result()) for f in frames), round(1000 / self.fps))
                self.result = ("saved", str(path))
            except Exception as exc:  # disk full, permissions: say so, keep running
                self.result = ("failed", f"{type(exc).__name__}: {exc}")
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
