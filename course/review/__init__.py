"""Spaced review on FSRS (the fsrs package); pure apart from the clock passed in."""
