"""Production's hand-written SQL (docs/architecture.md, "Hand-written SQL")."""
