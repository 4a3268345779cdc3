"""Watching pages and processes: who is told when a watched page changes, and their Atom feed."""
