"""Red Door: a desktop lab for goal misgeneralization."""
