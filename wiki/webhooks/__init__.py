"""Outgoing webhooks: chat tools and scripts told of what happens here, signed and retried."""
