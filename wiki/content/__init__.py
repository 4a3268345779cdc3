"""The content folder format: loading a demo organisation from markdown files and exporting it."""
