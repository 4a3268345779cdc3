"""Questions to experts: asking, routing, the thread of answers, and turning answers into pages."""
