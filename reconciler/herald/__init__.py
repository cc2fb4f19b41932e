"""Herald: telemetry Pipelines (Vector's own shape) validated, compiled to Vector configs and run on clusters.

One module per concern: `catalog` (component types and their option schemas), `components` (a pipeline's
components as values), `options`, `topology`, `vrl` (with `vrl_functions`, Vector's function list), `env`
(checks), `check` (all checks of a commit), `placement` (where pipelines run), `checks` (what the validator
runs), `compile` and `merge` (Vector configs), `importer` (existing configs → Pipeline documents) and `workloads`
(the Kubernetes objects that run Vector). Two sub-packages: `simulate` (a pipeline's transforms run in-process on
events) and `tests` (a pipeline's `spec.tests` run on it).
"""
