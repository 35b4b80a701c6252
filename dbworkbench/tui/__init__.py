"""The Textual workbench: a front end over `dbworkbench.app.engine.EngineApi`, holding no migration logic."""
