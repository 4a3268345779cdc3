"""User-group forums: a forum per process area, its members and their monthly meetings."""
