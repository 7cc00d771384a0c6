"""The research side of Red Door: the experiment table, seed studies, statistics, the
counterfactual signature and the figures. Beside `game/` (the app and the simulation), never
imported by the app's scenes; needs numpy, and matplotlib for figures."""
