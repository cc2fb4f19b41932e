"""A pipeline's transforms run in-process on sample events: `portal pipeline preview` and the Pipeline tests.

One module per concern: `values` (VRL's typed values in Python, and how they cross into the runtime and back),
`vrl_runtime` (programs and conditions run by `vector-vrl`'s runtime, many events per call), `conditions`
(Vector's condition types), `events` (log and metric events), `fields` (field paths and templates),
`transforms` (which type is simulated by what: `routing`, `stateful`, `metrics`) and `graph` (events sent
through a pipeline's components, from where they are put in to every output and sink they reach).

Semantics follow Vector's own transforms (src/transforms/*) where a type is simulated; any other transform is
passed through, and every event that crosses it carries a note saying so, never silently.
"""
