"""People: profiles, and (with the expertise map) what each person knows."""
