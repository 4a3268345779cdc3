"""Integration buddies: who looks after which newcomer."""
