"""Admin screens: people, their roles, invitations and deactivation."""
