"""dbworkbench: a terminal workbench and migration engine for PostgreSQL schema changes."""

__version__ = "0.1.0"
