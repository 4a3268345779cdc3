"""Asking the wiki where people already work: Slack and Teams commands, and an MCP server."""
