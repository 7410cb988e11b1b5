"""Models of callbacks: built in its own issue."""
