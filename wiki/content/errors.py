"""The one error of reading a content folder."""


class ContentError(Exception):
    """A content file cannot be read; the message names the file and, where known, the line."""
