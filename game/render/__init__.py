"""Drawing a world: pygame surfaces for the app, numpy frames for the Gymnasium env."""
