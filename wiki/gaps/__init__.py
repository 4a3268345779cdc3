"""Gaps: what people needed and could not find documented, on their way to the wiki or a course."""
