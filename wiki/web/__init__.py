"""The web layer shared by every screen: what the layout needs on each page."""
