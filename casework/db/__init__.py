"""SQLite storage: one writer connection behind a lock, a few readers, versioned migrations."""
