"""The system of record: SQLAlchemy schema, engine selection, stores (issue B)."""
