"""Demo shop: a small FastAPI app with planted production mistakes."""
