"""The business-process tree and the pages, revisions and links that hang on it."""
