"""Verified pages: who vouches for a page until when, and what a change to it sets off."""
