"""Attachments: files and images kept with a page, stored in the database by content hash."""
