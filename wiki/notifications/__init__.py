"""Notifications: one service for the whole app, in the app (the bell) and by mail."""
