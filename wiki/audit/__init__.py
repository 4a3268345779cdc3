"""The audit trail: an append-only record of security-relevant events, read by admins."""
