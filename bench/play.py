"""Play-view frame times: 4 agents stepping every frame, overlay and explain map on, 25x25 level.

    python -m bench.play [--frames 600] [--size 1280x760]

Headless (dummy video driver). A frame is update + draw + flip. The baseline, run in the same
process, is the bare view: agents paused, overlay and explain off. Timed runs start once every
agent has taken its first look at the level (worker threads). The full run is the default roster
(the learned agents that load, then references) stepping with the overlay and an explain map.
The recolour run has 4 learned agents (the default learned kinds that load, padded with shipped
variants such as ppo-diverse) stepping every frame, overlay and explain on, and recolours one
object every 60 frames (between frames, like a click), paced at 60 fps like the app (the rest of
each frame is slept). Each recolour is a new level to every learned agent (their per-level caches
are emptied first, so it is a first look every time, not a cache hit): the first look runs on the
view's worker threads while the frames go on; the run also says how long after a recolour every
agent was ready again. Target: p99 <= 16 ms for both. The yardstick (bench/yardstick.py) runs
first, in the same run.
Last line: play_fps_p50=N frame_ms_p99=M recolour_frame_ms_p99=R machine_factor=F
"""

from __future__ import annotations

import argparse
import os
import time

from reddoor.game.blas import limit_blas_threads

limit_blas_threads(1)  # the app's setting, before numpy loads (game/app.py does the same)
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402 (after the SDL settings above)
import pygame  # noqa: E402

from bench.yardstick import machine_factor  # noqa: E402

LEARNED_PADDING = ("ppo-diverse", "imitation-diverse", "mesa-diverse")


def bench_level():
    """The built-in 25x25 maze, or a carved one if the asset is missing."""
    from reddoor.game.core.constants import BALL, BLUE, DOOR, FLOOR, RED
    from reddoor.game.core.generators import carve_maze
    from reddoor.game.core.level import Level
    from reddoor.game.levels import resolve_level

    try:
        level = resolve_level("maze-25")
        if level.kind.shape == (25, 25):
            return level
    except Exception:
        pass
    kind = carve_maze(np.random.default_rng(0), 25, 25)
    color = np.zeros_like(kind)
    floor = np.argwhere(kind == FLOOR)
    kind[tuple(floor[-1])], color[tuple(floor[-1])] = DOOR, BLUE
    kind[tuple(floor[len(floor) // 2])], color[tuple(floor[len(floor) // 2])] = BALL, RED
    return Level(kind, color, tuple(floor[0]), name="bench 25x25")


def four_agents():
    """The default roster when the learned agents load; padded with references to four."""
    from reddoor.agents.base import make_agent
    from reddoor.agents.kinds import PLAY_VIEW_DEFAULTS
    from reddoor.game.model.roster import build_roster, unique_names

    agents, failed = build_roster(list(PLAY_VIEW_DEFAULTS))
    pad = ["oracle", "random", "oracle", "random"]
    while len(agents) < 4:
        agents.append(make_agent(pad[len(agents) % 4]))
    unique_names(agents)
    return agents[:4], failed


def four_learned_agents():
    """Four learned agents: the default learned kinds that load, then shipped variants (ppo-diverse, ...).
    Fewer than four only when not enough checkpoints load; the run then says so."""
    from reddoor.agents.kinds import PLAY_VIEW_DEFAULTS, is_learned
    from reddoor.game.model.roster import load_agent, unique_names

    agents = []
    for spec in [k for k in PLAY_VIEW_DEFAULTS if is_learned(k)] + list(LEARNED_PADDING):
        if len(agents) == 4:
            break
        agent, _ = load_agent(spec)
        if agent is not None:
            agents.append(agent)
    unique_names(agents)
    return agents


def forget_levels(scene) -> None:
    """Empty every agent's per-level cache, so the next look at a level is a first look."""
    for run in scene.runs:
        cache = getattr(run.agent, "_cache", None)
        if cache is not None:
            cache.clear()


def settle(scene) -> float:
    """Wait until every agent has taken its first look at the level (and the explanation is made)."""
    t0 = time.perf_counter()
    scene.update(0.0)
    while scene.thinking() or scene.model.worker.explaining:
        time.sleep(0.005)
        scene.update(0.0)
    return time.perf_counter() - t0


def run(
    scene, screen, frames: int, step: bool, recolour_every: int = 0, ready_ms: list | None = None, fps: float = 0.0
) -> np.ndarray:
    """Frame times (ms) of `frames` frames; with `recolour_every`, an object is recoloured before
    every that many frames, and `ready_ms` collects how long after each recolour every agent was
    ready again (its first look done). With `fps`, frames are paced like the app's clock.tick(fps):
    the rest of each 1/fps s is slept, which is when worker threads get the GIL and cores to
    themselves (back to back, the frame thread holds the GIL and a first look can take seconds)."""
    times = np.empty(frames)
    dt = 1.0 / scene.model.speed  # exactly one agent step per frame
    objects = scene.level.objects()
    recoloured_at = None
    for i in range(frames):
        if recolour_every and i % recolour_every == 0 and objects:
            r, c, _, _ = objects[(i // recolour_every) % len(objects)]
            forget_levels(scene)
            scene.recolour((r, c))  # outside the timed frame, like a click between frames
            recoloured_at = time.perf_counter()
        t0 = time.perf_counter()
        scene.update(dt if step else 0.0)
        scene.draw(screen)
        scene.after_frame(screen)
        pygame.display.flip()
        t1 = time.perf_counter()
        times[i] = (t1 - t0) * 1000
        if recoloured_at is not None and not scene.thinking():
            if ready_ms is not None:
                ready_ms.append((t1 - recoloured_at) * 1000)
            recoloured_at = None
        if fps:
            time.sleep(max(0.0, t0 + 1.0 / fps - time.perf_counter()))
    return times


def make_scene(agents, size):
    from reddoor.game.scenes.play import SPEEDS, PlayScene

    scene = PlayScene(bench_level(), agents)
    scene.resize(size)
    scene.model.hold_seconds = 0.0  # no pause between episodes: a step every frame
    scene.model.speed_index = SPEEDS.index(60)
    return scene


def explain_mesa(scene) -> None:
    """Select a mesa agent (else the first) and turn its explain map on."""
    scene.model.selected = next((i for i, r in enumerate(scene.runs) if r.agent.kind == "mesa"), 0)
    scene.run_command("explain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600, help="frames measured in each run")
    parser.add_argument("--size", default="1280x760", help="window size WxH")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))

    factor = machine_factor()
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode(size)
    agents, failed = four_agents()
    scene = make_scene(agents, size)
    if failed:
        print(f"note: {', '.join(failed)} not loaded; padded with references")
    print(
        f"agents: {', '.join(r.name for r in scene.runs)}; level {scene.level.height}x{scene.level.width}; window {size[0]}x{size[1]}"
    )

    # Every agent's first look at the level runs on worker threads; measure it, then steady state.
    first_look = settle(scene)
    # Baseline: the bare view (paused, no overlay, no explain).
    scene.run_command("overlay")
    run(scene, screen, 30, step=False)
    base = run(scene, screen, args.frames, step=False)
    # The full view: overlay, the selected agent's explain map (a learned one when loaded), every agent stepping.
    scene.run_command("overlay")
    explain_mesa(scene)
    settle(scene)
    run(scene, screen, 30, step=True)
    ticks0 = scene.session.ticks
    full = run(scene, screen, args.frames, step=True)
    steps = scene.session.ticks - ticks0
    episodes = sum(r.all_tally.episodes for r in scene.runs)
    # Four learned agents and a recolour every 60 frames: each is a new level to every agent, looked
    # at in the background while the view goes on (agents that are not ready sit steps out).
    learned = four_learned_agents()
    print(
        f"recolour run: {', '.join(a.name for a in learned)}"
        + ("" if len(learned) == 4 else f" (only {len(learned)} learned agents load)")
    )
    scene = make_scene(learned, size)
    explain_mesa(scene)
    settle(scene)
    run(scene, screen, 30, step=True, fps=60)
    ready_ms: list[float] = []
    busy = run(scene, screen, args.frames, step=True, recolour_every=60, ready_ms=ready_ms, fps=60)
    settle(scene)

    def line(name, t):
        return (
            f"{name:<44} p50 {np.percentile(t, 50):6.2f} ms  p99 {np.percentile(t, 99):6.2f} ms  "
            f"max {t.max():6.2f} ms  ({1000 / np.percentile(t, 50):.0f} fps at p50)"
        )

    print(f"first look at the level (worker threads, before the runs): {first_look * 1000:.0f} ms")
    print(line("baseline: bare view, agents paused", base))
    print(line("full: 4 agents stepping, overlay, explain", full))
    print(line("4 learned + a recolour every 60 frames", busy))
    if ready_ms:
        print(
            f"after a recolour every agent was ready again in {np.median(ready_ms):.0f} ms (median), "
            f"{max(ready_ms):.0f} ms (max) over {len(ready_ms)} recolours"
        )
    print(
        f"{steps} agent ticks over {args.frames} frames; {episodes} episodes ended; "
        f"full/baseline p50 ratio {np.percentile(full, 50) / np.percentile(base, 50):.2f}; target p99 <= 16 ms"
    )
    print(
        f"play_fps_p50={1000 / np.percentile(full, 50):.0f} frame_ms_p99={np.percentile(full, 99):.2f} "
        f"recolour_frame_ms_p99={np.percentile(busy, 99):.2f} machine_factor={factor:.2f}"
    )


if __name__ == "__main__":
    main()
