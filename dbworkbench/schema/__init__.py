"""Schema as code: the model of a live schema, introspection, the diff, the desired state (schema/), drift."""
