"""Search: a whoosh index over everything a member can read, kept in step with the database."""
