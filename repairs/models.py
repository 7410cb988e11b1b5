"""Models of work orders and services: built in its own issue."""
