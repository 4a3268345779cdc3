"""Four eyes: controlled processes, whose pages change only with a second person's approval, and
suggested edits from people who may not edit directly."""
