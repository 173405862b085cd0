"""pytest wiring of the server feature (filled in by its issue)."""
