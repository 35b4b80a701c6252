"""The Textual workbench: a front end over `dbworkbench.core.facade.EngineApi`, holding no migration logic."""
