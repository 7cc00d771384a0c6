"""Scenes: one class per mode (play, edit) with handle_event / update / draw."""
