"""FeedForward: ask chosen peers for ideas to get better at something, for the future only."""
