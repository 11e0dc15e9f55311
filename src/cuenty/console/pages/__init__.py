"""Console pages, one module per area of work."""
