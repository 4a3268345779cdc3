"""Comments on pages: threads, mentions, resolving, and comments on a quoted passage."""
