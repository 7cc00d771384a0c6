"""Start-up time, launch to first frame, of the app (from source and, if built, the bundle)
against a minimal pygame-ce + numpy program that opens a window and draws one frame.

    python -m bench.startup [--runs 7] [--bundle dist/RedDoor/RedDoor]

Each program prints 'first-frame' right after its first display flip (the app does so when
REDDOOR_FIRST_FRAME_EXIT is set); the time is from process launch to that line, dummy video
driver. Last line: baseline_ms=B source_ms=S bundle_ms=U source_ratio=S/B bundle_ratio=U/B machine_factor=F
(machine_factor: bench/yardstick.py, measured in the same run; > 1 = faster than the reference box)
"""

from __future__ import annotations

import argparse
import os
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.yardstick import machine_factor

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = (
    "import numpy, pygame\n"
    "pygame.display.init()\n"
    "s = pygame.display.set_mode((1280, 760))\n"
    "s.fill((20, 20, 20)); pygame.display.flip()\n"
    "print('first-frame', flush=True)\n"
)


def time_to_first_frame(cmd: list[str], env: dict, timeout: float = 60.0) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while time.perf_counter() - t0 < timeout:
                if not sel.select(timeout=0.5):
                    continue
                line = proc.stdout.readline()
                if line.strip() == "first-frame":
                    return (time.perf_counter() - t0) * 1000
                if not line:
                    raise RuntimeError(f"{' '.join(cmd)} exited ({proc.wait()}) without drawing a frame")
        raise RuntimeError(f"{' '.join(cmd)} drew no frame within {timeout:.0f} s (an old bundle without the probe?)")
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def median_ms(cmd: list[str], env: dict, runs: int) -> float:
    time_to_first_frame(cmd, env)  # warm the file cache
    return statistics.median(time_to_first_frame(cmd, env) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description="launch-to-first-frame time")
    parser.add_argument("--runs", type=int, default=7, help="runs of each program (median reported)")
    parser.add_argument(
        "--bundle", default=str(ROOT / "dist" / "RedDoor" / "RedDoor"), help="the built bundle's executable"
    )
    args = parser.parse_args()
    env = dict(
        os.environ,
        SDL_VIDEODRIVER="dummy",
        SDL_AUDIODRIVER="dummy",
        REDDOOR_FIRST_FRAME_EXIT="1",
        PYGAME_HIDE_SUPPORT_PROMPT="1",
        REDDOOR_HOME=tempfile.mkdtemp(prefix="reddoor-startup-"),
    )
    factor = machine_factor()
    base = median_ms([sys.executable, "-c", MINIMAL], env, args.runs)
    print(f"minimal pygame-ce + numpy window: {base:.0f} ms")
    src = median_ms([sys.executable, "main.py"], env, args.runs)
    print(f"python main.py (play view, shipped agents): {src:.0f} ms")
    bundle = float("nan")
    if Path(args.bundle).is_file():
        bundle = median_ms([args.bundle], env, args.runs)
        print(f"bundle {args.bundle}: {bundle:.0f} ms")
    else:
        print(f"no bundle at {args.bundle} (build it with: pyinstaller build.spec)")
    print(
        f"baseline_ms={base:.0f} source_ms={src:.0f} bundle_ms={bundle:.0f} "
        f"source_ratio={src / base:.2f} bundle_ratio={bundle / base:.2f} machine_factor={factor:.2f}"
    )


if __name__ == "__main__":
    main()
