"""Peer coaching groups: five to seven members who meet every three to four weeks, each bringing a
priority, getting an equal share of the time and leaving with one action."""
