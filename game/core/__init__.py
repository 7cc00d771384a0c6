"""The simulation core: world state, rules, objectives, level files, generators (numpy only)."""
