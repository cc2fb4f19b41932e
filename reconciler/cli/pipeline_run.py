"""`portal pipeline test` and `portal pipeline preview`: a pipeline's transforms run in-process on events."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reconciler.cli.options import UsageError, add_source_arguments, source_settings, state_dir
from reconciler.cli.source import load_repository
from reconciler.herald.simulate.events import Event
from reconciler.herald.simulate.graph import PipelineGraph, Run
from reconciler.herald.topology import output_label
from reconciler.model.kinds import Pipeline
from reconciler.model.suggestions import did_you_mean
from reconciler.validate import Validation


def register_actions(actions: argparse._SubParsersAction) -> None:
    testing = actions.add_parser(
        "test",
        help="run the Pipelines' spec.tests",
        description=(
            "Run every Pipeline's spec.tests (Vector's unit-test format, or the short form) on an in-process "
            "simulation of its transforms with Vector's VRL runtime, as `vector test` judges them. Prints "
            "PASS <pipeline>/<test>, FAIL <pipeline>/<test>: <reason> or SKIP <pipeline>/<test>: <reason> (a "
            "test that needs a transform or condition that is not simulated), then the counts. Exit status: "
            "0 none failed, 1 a test failed (or a pipeline with tests has errors), 2 usage error."
        ),
    )
    add_source_arguments(testing)
    testing.add_argument("--pipeline", metavar="NAME", action="append", help="only these pipelines (repeatable)")
    testing.set_defaults(func=run_tests)

    preview = actions.add_parser(
        "preview",
        help="send events through a pipeline and show every step",
        description=(
            "Send events through PIPELINE's transforms in-process (remap, filter, route, exclusive_route, "
            "sample, dedupe, throttle and log_to_metric counters and gauges are simulated with Vector's own "
            "semantics; any other transform passes events through, marked not simulated) and show what each "
            "component received and emitted, and what reaches each sink. Events: --event JSON (repeatable) or "
            "--input FILE (one event a line: a JSON object is a log's fields, any other line its message; '-' "
            "for stdin). Exit status: 0 shown, 1 the pipeline has errors, 2 usage error."
        ),
    )
    preview.add_argument("pipeline", metavar="PIPELINE", help="the Pipeline's metadata.name")
    add_source_arguments(preview)
    given = preview.add_mutually_exclusive_group(required=True)
    given.add_argument("--event", metavar="JSON", action="append", help="an event (a log's fields as JSON)")
    given.add_argument("--input", type=Path, metavar="FILE", help="events, one a line ('-' for stdin)")
    preview.add_argument(
        "--into", metavar="COMPONENT", help="the source or transform the events enter (default: every source)"
    )
    preview.add_argument("--seed", type=int, default=0, help="the seed of sample's key_field hashing (default: 0)")
    preview.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    preview.set_defaults(func=run_preview)


def _broken(validation: Validation) -> set[str]:
    return {d.subject for d in validation.errors if d.subject}


def _print_results(pipeline: Pipeline, counts: dict[str, int]) -> None:
    from reconciler.herald.tests import run_pipeline_tests

    for result in run_pipeline_tests(pipeline):
        counts[result.status] += 1
        label = f"{result.pipeline}/{result.test}"
        if result.status == "passed":
            print(f"PASS {label}")
        elif result.status == "failed":
            print(f"FAIL {label}: {result.reason}")
        else:
            print(f"SKIP {label}: {result.reason}")


def run_tests(args: argparse.Namespace) -> int:
    validation = load_repository(source_settings(args), state_dir(args))
    # Every Pipeline document, valid or not: one with errors (its schema's too) is never silently left out.
    documents = {d.name: d for d in validation.documents if d.kind == "Pipeline"}
    if args.pipeline:
        unknown = sorted(set(args.pipeline) - set(documents))
        if unknown:
            raise UsageError(f"no Pipeline {unknown[0]!r}{did_you_mean(unknown[0], sorted(documents))}")
    broken = _broken(validation)
    counts = {"passed": 0, "failed": 0, "not run": 0}
    for name, doc in sorted(documents.items()):
        if args.pipeline and name not in args.pipeline:
            continue
        pipeline = validation.model.pipelines.get(name)
        if pipeline is not None and doc.subject not in broken:
            _print_results(pipeline, counts)
        elif doc.spec.get("tests"):
            _print_errors(validation, doc.subject)
            print(f"FAIL {name}: not tested: the pipeline has errors")
            counts["failed"] += 1
    summary = f"{counts['passed']} passed, {counts['failed']} failed"
    print(summary + (f", {counts['not run']} not run" if counts["not run"] else ""))
    return 1 if counts["failed"] else 0


def _parse_event(text: str, where: str) -> Event:
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{where}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
        if isinstance(value, dict):
            return Event("log", value)
    return Event("log", {"message": text.rstrip("\n")})


def _events(args: argparse.Namespace) -> list[Event]:
    if args.event:
        return [_parse_event(text, f"--event[{i}]") for i, text in enumerate(args.event)]
    try:
        text = sys.stdin.read() if str(args.input) == "-" else args.input.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {args.input}: {exc}") from None
    return [_parse_event(line, f"{args.input}:{n}") for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _print_errors(validation: Validation, subject: str) -> None:
    for diagnostic in validation.errors:
        if diagnostic.subject == subject:
            print(diagnostic.format(), file=sys.stderr)


def _pipeline(validation: Validation, name: str) -> Pipeline | None:
    """The pipeline to preview; None (its errors printed) when it has errors."""
    doc = next((d for d in validation.documents if d.kind == "Pipeline" and d.name == name), None)
    if doc is None:
        names = sorted(d.name for d in validation.documents if d.kind == "Pipeline")
        raise UsageError(f"no Pipeline {name!r} in {validation.source.description}{did_you_mean(name, names)}")
    pipeline = validation.model.pipelines.get(name)
    if pipeline is None or doc.subject in _broken(validation):
        _print_errors(validation, doc.subject)
        return None
    return pipeline


def _preview_json(run: Run) -> dict[str, Any]:
    return {
        "steps": [
            {
                "component": step.component.label,
                "type": step.type_name,
                "simulated": step.unsimulated is None,
                "reason": step.unsimulated,
                "received": [e.to_json() for e in step.received],
                "outputs": {
                    output_label(step.component.id, o): [e.to_json() for e in evs] for o, evs in step.outputs.items()
                },
            }
            for step in run.steps
        ],
        # Each event that reaches a sink, with the transforms on its way that are not simulated (and why).
        "sinks": {
            f"sinks.{cid}": [{"event": e.to_json(), "not_simulated": list(e.unsimulated)} for e in events]
            for cid, events in sorted(run.sinks.items())
        },
    }


def _print_text(run: Run) -> None:
    for step in run.steps:
        status = f"not simulated: {step.unsimulated}" if step.unsimulated else f"{len(step.received)} in"
        print(f"{step.component.label} ({step.type_name}): {status}")
        for output, events in step.outputs.items():
            name = "out" if output is None else output
            for event in events:
                print(f"  {name} {event.json_text()}")
            if not events:
                print(f"  {name} (none)")
    for cid, events in sorted(run.sinks.items()):
        print(f"sinks.{cid}: {len(events)} event(s)")
        for event in events:
            marked = " (not simulated on its way)" if event.unsimulated else ""
            print(f"  {event.json_text()}{marked}")


def _targets(graph: PipelineGraph, into: str | None) -> Sequence[str]:
    if into is None:
        return [cid for cid, c in graph.components.items() if c.kind == "source"]
    component = graph.components.get(into)
    if component is None or component.kind == "sink":
        entries = [cid for cid, c in graph.components.items() if c.kind != "sink"]
        raise UsageError(f"--into {into!r}: no source or transform of that id{did_you_mean(into, entries)}")
    return [into]


def run_preview(args: argparse.Namespace) -> int:
    events = _events(args)
    validation = load_repository(source_settings(args), state_dir(args))
    pipeline = _pipeline(validation, args.pipeline)
    if pipeline is None:
        return 1
    graph = PipelineGraph(pipeline)
    targets = _targets(graph, args.into)
    (run,) = graph.send([[(target, event) for event in events for target in targets]], seed=args.seed)
    if args.format == "json":
        json.dump({"pipeline": pipeline.name, **_preview_json(run)}, sys.stdout, indent=2, default=str)
        print()
    else:
        _print_text(run)
    return 0
