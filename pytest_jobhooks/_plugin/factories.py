"""pytest wiring of the factories feature (filled in by its issue)."""
