"""Role homes: the home page puts each person's own work first, one block per role."""
