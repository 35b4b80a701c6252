"""The PostgreSQL-aware migration linter: findings are data, never exceptions."""
