"""Coaching sessions between two people, confidential to them: what they want from today, what
has been going on, the options with pros and cons, and an action plan reviewed next time."""
