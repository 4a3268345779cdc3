"""Accounts, roles, login and invitations."""
