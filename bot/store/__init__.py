"""Storage: SQLAlchemy models, the database handle, and the queries the helpline needs."""
