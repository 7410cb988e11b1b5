"""Models of complaints and suggestions: built in its own issue."""
