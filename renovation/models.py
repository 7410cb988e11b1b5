"""Models of renovation: built in its own issue."""
