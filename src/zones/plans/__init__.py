"""Planning from the database: scenarios built from the office and staff, runs with progress, stored plans."""
