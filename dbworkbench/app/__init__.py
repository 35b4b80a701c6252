"""The application layer: one plain function per verb, `Settings` (+ arguments) -> report.

The CLI (`dbworkbench.cli`) and the workbench (`dbworkbench.tui`, through `app.engine.Engine`) call these and
nothing below them. Functions never print or exit: they return report values, report progress through
`on_event`, ask through `confirm`, and raise `DbWorkbenchError`s. This package imports no front end.

Where each verb lives: `migrations` (migrate, up, down, redo), `inspection` (status, validate, history, show),
`maintenance` (repair, baseline, clean, new), `safety` (lint, approve, analyze), `schema_diff` (diff), `schema_as_code`
(plan, drift, schema), `server` (server), `engine` (ui: the workbench's bound object). Importing this package
imports none of them, so a command loads only what it uses.
"""
