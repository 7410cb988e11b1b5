"""Models of fees: built in its own issue."""
