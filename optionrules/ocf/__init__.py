"""Open Cap Format."""
