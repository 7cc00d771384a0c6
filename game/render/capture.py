"""Screenshots (PNG) and animated-GIF recordings of the view, for slides.

pygame cannot write GIFs. Frames are quantised here to one fixed 252-colour palette (so colours
do not flicker between frames) and written by Pillow when it is installed; otherwise by the small
LZW encoder below, which only encodes the rectangle that changed since the previous frame.
"""
from __future__ import annotations

import struct
import threading
import time
from pathlib import Path

import numpy as np
import pygame

# A 6 x 7 x 6 colour cube (green gets the extra level: the eye sees it best), padded to 256.
_LEVELS = (6, 7, 6)


def _cube_palette() -> np.ndarray:
    r, g, b = (np.round(np.linspace(0, 255, n)).astype(np.uint8) for n in _LEVELS)
    cube = np.array([(rr, gg, bb) for rr in r for gg in g for bb in b], np.uint8)
    out = np.zeros((256, 3), np.uint8)
    out[: len(cube)] = cube
    return out


PALETTE = _cube_palette()


def quantise(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB to (H, W) uint8 indices into PALETTE."""
    rgb = rgb.astype(np.uint16)
    nr, ng, nb = _LEVELS
    ri = (rgb[..., 0] * (nr - 1) + 127) // 255
    gi = (rgb[..., 1] * (ng - 1) + 127) // 255
    bi = (rgb[..., 2] * (nb - 1) + 127) // 255
    return (ri * (ng * nb) + gi * nb + bi).astype(np.uint8)


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


def frame_from_surface(surface: pygame.Surface, max_width: int) -> np.ndarray:
    """The surface, scaled down to at most `max_width` wide, as quantised (H, W) indices."""
    w, h = surface.get_size()
    if w > max_width:
        surface = pygame.transform.smoothscale(surface, (max_width, max(1, round(h * max_width / w))))
    rgb = pygame.surfarray.array3d(surface).transpose(1, 0, 2)
    return quantise(rgb)


def write_gif(path: Path, frames: list[np.ndarray], delay_ms: int = 100) -> Path:
    """Write quantised frames (all the same shape) as a looping GIF."""
    if not frames:
        raise ValueError("no frames to write")
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is not None:
        flat = PALETTE.ravel().tolist()
        images = []
        for f in frames:
            im = Image.fromarray(f, "P")
            im.putpalette(flat)
            images.append(im)
        images[0].save(str(path), save_all=True, append_images=images[1:], duration=delay_ms, loop=0, optimize=False)
        return path
    return write_gif_plain(path, frames, delay_ms)


# -- a small GIF89a encoder (used when Pillow is missing) ---------------------------------------
def write_gif_plain(path: Path, frames: list[np.ndarray], delay_ms: int = 100) -> Path:
    h, w = frames[0].shape
    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", w, h, 0xF7, 0, 0)  # global colour table, 256 entries
    out += PALETTE.tobytes()
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    prev = None
    delay = max(2, round(delay_ms / 10))
    for frame in frames:
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
    """Collects frames at `fps` while recording; `stop` writes the GIF on a background thread."""

    def __init__(self, fps: float = 10.0, max_width: int = 720, max_seconds: float = 30.0):
        self.fps = fps
        self.max_width = max_width
        self.max_frames = int(fps * max_seconds)
        self.frames: list[np.ndarray] = []
        self.path: Path | None = None
        self._since = 0.0
        self._thread: threading.Thread | None = None
        self.result: tuple[str, str] | None = None  # ("saved"|"failed", message) once writing ends

    @property
    def recording(self) -> bool:
        return self.path is not None

    @property
    def writing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, folder: Path) -> Path:
        self.path = unique_path(folder, "reddoor", ".gif")
        self.frames = []
        self._since = 1.0 / self.fps  # take the first frame at once
        self.result = None
        return self.path

    def elapsed(self) -> float:
        return len(self.frames) / self.fps

    def capture(self, surface: pygame.Surface, dt: float) -> bool:
        """Take a frame if one is due; True when the length limit was reached (stop then)."""
        if not self.recording:
            return False
        self._since += dt
        if self._since + 1e-9 >= 1.0 / self.fps:
            self._since = 0.0
            frame = frame_from_surface(surface, self.max_width)
            if self.frames and frame.shape != self.frames[0].shape:  # the window was resized
                frame = _fit(frame, self.frames[0].shape)
            self.frames.append(frame)
        return len(self.frames) >= self.max_frames

    def stop(self, background: bool = True) -> Path | None:
        path, frames = self.path, self.frames
        self.path, self.frames = None, []
        if path is None:
            return None
        if not frames:
            self.result = ("failed", "no frames were recorded")
            return None

        def work():
            try:
                write_gif(path, frames, round(1000 / self.fps))
                self.result = ("saved", str(path))
            except Exception as exc:  # disk full, permissions: say so, keep running
                self.result = ("failed", f"{type(exc).__name__}: {exc}")

        if background:
            self._thread = threading.Thread(target=work, name="gif-writer", daemon=True)
            self._thread.start()
        else:
            work()
        return path


def _fit(frame: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    out = np.zeros(shape, np.uint8)
    h, w = min(shape[0], frame.shape[0]), min(shape[1], frame.shape[1])
    out[:h, :w] = frame[:h, :w]
    return out
