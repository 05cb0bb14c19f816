"""Opening, migrating and transacting on the database (SQLite or PostgreSQL)."""
