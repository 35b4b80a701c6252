"""Schema as code: the model of a live schema, introspection, and (later) diff, plan and drift."""
