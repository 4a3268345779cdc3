"""Search over everything a member can read, in whoosh or in PostgreSQL's own full-text search,
kept in step with the database."""
