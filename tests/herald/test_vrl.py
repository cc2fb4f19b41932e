"""VRL judged as Vector judges it: its whole function list, declared enrichment tables, real calls only, and
errors placed inside the program."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.herald.vrl import compile_error, enrichment_tables, function_calls, judge
from reconciler.herald.vrl_functions import VECTOR_VRL_FUNCTIONS
from reconciler.model.diagnostics import Severity
from tests.conftest import PortalRun, write_files
from tests.herald.builders import APP_LOGS, line_of, model_of, repo_files
from tests.herald.test_checks import CATALOG, check_model, pipeline

# Programs in the style of Vector's docs and VRL's test suite, written here; each is valid for Vector.
VALID = {
    "parse and coerce": """\
. = parse_json!(string!(.message))
.status = to_int(.status) ?? 0
.timestamp = parse_timestamp(.ts, "%Y-%m-%dT%H:%M:%S%z") ?? now()
del(.ts)
""",
    "klog with a fallback to logfmt": """\
# klog lines from kube components; logfmt(...) from everything else
structured, err = parse_klog(.message)
if err != null {
  structured = parse_logfmt(.message) ?? {}
}
. = merge(., structured)
""",
    "regex and templates in strings": """\
if match(string!(.message), r'^(warn|error)\\(b\\)') {
  .severity = "template(warn)"
}
.labels = {"app": .kubernetes.pod_labels."app.kubernetes.io/name"}
""",
    "iteration": """\
.tags = map_values(object!(.tags)) -> |value| { downcase(string(value) ?? "") }
.keys = keys(object!(.tags))
for_each(array!(.items)) -> |_index, item| { log(item, level: "debug") }
""",
    "route condition": '.level == "error" && exists(.trace_id)',
    "abort and metadata": """\
if !exists(.message) { abort }
%custom = "kept"
.hash = sha2(string!(.message), variant: "SHA-512/256")
""",
}
# Valid for Vector, but the wheel lacks the function: a note naming it.
VECTOR_ONLY = {
    "get_hostname": '.host = get_hostname!()\n.env = get_env_var("ENVIRONMENT") ?? "dev"\n',
    "get_env_var": '.env = get_env_var!("ENVIRONMENT")\n',
    "reverse_dns": ".peer_name = reverse_dns(string!(.peer_ip)) ?? null\n",
    "parse_etld": ".domain = parse_etld!(.host, plus_parts: 1)\n",
    "get_timezone_name": ".tz = get_timezone_name!()\n",
    "set_semantic_meaning": 'set_semantic_meaning(.event.message, "message")\n',
}
INVALID = {
    "unhandled fallible assignment": (". = parse_json(.message)\n", "unhandled fallible assignment"),
    "misspelled function": (".a = upcas(.b)\n", "call to undefined function `upcas`"),
    "syntax": (".a = 1 +\n", "syntax error"),
    "non-boolean predicate": ("if .level { .x = 1 }\n", "non-boolean predicate"),
    "unknown table": ('.row = get_enrichment_table_record!("codes", {"code": .code})\n', "unknown enrichment table"),
    "unknown function beside a Vector-only one": (
        ".h = get_hostname!()\n.b = frobnicate(.a)\n",
        "call to undefined function `frobnicate`",
    ),
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_programs_pass(name: str) -> None:
    assert judge(VALID[name]) is None


@pytest.mark.parametrize("function", list(VECTOR_ONLY))
def test_a_function_only_vector_has_is_a_note_that_names_it(function: str) -> None:
    problem = judge(VECTOR_ONLY[function])
    assert problem is not None and not problem.is_error
    assert f"`{function}`" in problem.message and "not fully checked here" in problem.message
    assert compile_error(VECTOR_ONLY[function]) is None


def test_every_vector_function_is_known_or_noted_never_an_error() -> None:
    for function in sorted(VECTOR_VRL_FUNCTIONS):
        problem = judge(f"{function}()")
        assert problem is None or not problem.message.startswith("call to undefined function"), (function, problem)


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_programs_are_caught(name: str) -> None:
    program, message = INVALID[name]
    problem = judge(program)
    assert problem is not None and problem.is_error
    assert message in problem.message


def test_undefined_function_names_only_real_calls() -> None:
    program = """\
# call klog(b) or logfmt(x) here
.msg = "template(warn) and b(1)"
if match(string!(.m), r'warn\\(b\\)') { .x = s'raw(q)' }
.y = nope(.x) + nada!(.z)
"""
    assert [name for name, _ in function_calls(program)] == ["match", "string", "nope", "nada"]
    assert compile_error(program) == "call to undefined function `nope`, `nada`"


def test_declared_enrichment_tables_are_registered_before_compiling() -> None:
    program = '.row = get_enrichment_table_record!("codes", {"code": .code})\n'
    tables = enrichment_tables(
        {
            "enrichment_tables": {
                "codes": {"type": "file", "file": {"path": "/etc/codes.csv"}, "schema": {"code": "string"}}
            }
        }
    )
    assert tables == (("codes", ("code",)),)
    assert judge(program, tables) is None
    assert "unknown enrichment table" in (compile_error(program) or "")  # not declared: Vector refuses it too
    other = (("geo", ("key",)),)
    assert 'unknown enrichment table "codes"' in (compile_error(program, other) or "")


PIPELINE_WITH_TABLE = APP_LOGS.replace(
    "  global: {}\n",
    """\
  global:
    enrichment_tables:
      status_codes:
        type: file
        file: {path: /etc/vector/status_codes.csv, encoding: {type: csv}}
        schema: {code: string, meaning: string}
""",
).replace(
    "        . = merge(., object!(parse_json!(.message)))\n",
    """\
        . = merge(., object!(parse_json!(.message)))
        row = get_enrichment_table_record(
          "status_codes", {"code": .status}
        ) ?? {}
        .meaning = row.meaning
        .host = get_hostname!()
""",
)


def test_a_pipeline_with_a_declared_table_and_a_vector_only_function_validates(
    tmp_path: Path, portal: Callable[..., PortalRun]
) -> None:
    findings = check_model(model_of(PIPELINE_WITH_TABLE), CATALOG)
    assert [(d.severity, d.message) for d in findings if "VRL" in d.message] == [
        (
            Severity.NOTE,
            "transforms.parse: VRL in `source` (line 6, column 9 of the program) is not fully checked here: calls "
            "`get_hostname`, which Vector has but the VRL compiler used here (the vector-vrl wheel) lacks; "
            "`portal validate --vector` checks it with a real vector binary",
        )
    ]
    write_files(tmp_path, repo_files(("app-logs", PIPELINE_WITH_TABLE)))
    result = portal("validate", tmp_path)
    assert result.code == 0, result.out + result.err
    line = line_of(PIPELINE_WITH_TABLE, ".host = get_hostname!()")
    assert f"pipelines/app-logs.yaml:{line}:17: note: Pipeline/app-logs: transforms.parse:" in result.out
    assert portal("validate", "--strict", tmp_path).code == 0  # a note is not a warning


def test_an_error_inside_a_program_points_at_its_line_and_column(
    tmp_path: Path, portal: Callable[..., PortalRun]
) -> None:
    text = APP_LOGS.replace(
        "        . = merge(., object!(parse_json!(.message)))\n",
        """\
        . = merge(., object!(parse_json!(.message)))
        if exists(.status) {
          # a comment with parse_json( in it
          .code = to_int(.status)
        }
""",
    )
    write_files(tmp_path, repo_files(("app-logs", text)))
    result = portal("validate", tmp_path)
    assert result.code == 1
    line = line_of(text, ".code = to_int(.status)")
    assert result.lines[0] == (
        f"pipelines/app-logs.yaml:{line}:11: error: Pipeline/app-logs: transforms.parse: VRL in `source` "
        "(line 4, column 3 of the program) does not compile: unhandled fallible assignment"
    )


@pytest.mark.parametrize(
    ("program", "line"),
    [
        ('.a = 1\n.b = "x" +\n.c = 2\n', 2),  # the one line whose removal makes the syntax right
        (".a = 1\n.b = 2 2\n", 2),
        (".a = 1\n# parse_json(\nif exists(.b) {\n  .c = parse_json(.b)\n}\n", 4),  # inside a block
    ],
)
def test_errors_are_placed_on_their_line(program: str, line: int) -> None:
    problem = judge(program)
    assert problem is not None and problem.is_error
    assert problem.line == line


def test_a_syntax_error_no_single_line_explains_stays_unplaced() -> None:
    problem = judge('.a = 1\n.b = {\n"c": 1\n')  # a block never closed: every line's removal leaves it open
    assert problem is not None and problem.message == "syntax error"
    assert problem.line is None


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list(".abfn_()!{}[]\"'#\\ \n+=:rst,|-<>?")), max_size=40),
    st.dictionaries(st.text(max_size=4), st.one_of(st.none(), st.just({"schema": {"a": "string"}})), max_size=2),
)
def test_any_text_and_any_declared_tables_are_judged_never_raised(text: str, declared: dict) -> None:
    problem = judge(text, enrichment_tables({"enrichment_tables": declared}))
    assert problem is None or problem.message


def test_a_table_name_the_compiler_refuses_is_left_out_not_raised() -> None:
    tables = enrichment_tables({"enrichment_tables": {"": {}, "codes": {"schema": {"code": "string"}}}})
    assert judge('.row = get_enrichment_table_record!("codes", {"code": .code})\n', tables) is None
    assert 'unknown enrichment table ""' in (
        compile_error('.r = get_enrichment_table_record!("", {"a": 1})', tables) or ""
    )


def _vrl_findings(source_type: str, program: str, global_options: dict | None = None) -> list[tuple[Severity, str]]:
    spec: dict[str, object] = {
        "global": global_options or {},
        "sources": {"events": {"type": source_type, **({"format": "json"} if source_type == "demo_logs" else {})}},
        "transforms": {
            "shape": {"type": "remap", "inputs": ["events"], "source": program},
            "keep": {"type": "filter", "inputs": ["shape"], "condition": 'starts_with(.name, "app.")'},
        },
        "sinks": {"out": {"type": "blackhole", "inputs": ["keep"]}},
    }
    findings = check_model(model_of(pipeline(spec)), CATALOG)
    return [(d.severity, d.message) for d in findings if "VRL" in d.message]


METRIC_FIELDS = '.tags.app = upcase(.tags.host)\n.namespace = downcase(.namespace)\nstarts_with(.name, "app.")\n'
TYPE_ERRORS = "unhandled fallible assignment; invalid argument type"
CONDITION_ERROR = (
    Severity.ERROR,
    "transforms.keep: VRL in `condition` (line 1, column 1 of the program) does not compile: invalid argument type",
)


def test_fields_of_metric_events_are_any_to_vector_too() -> None:
    """Metric events carry no schema: Vector compiles a remap fed only metrics against `Definition::any()`
    (src/topology/builder.rs), so `.name` is `any` there as here, and Vector's E110 is an error here too."""
    assert _vrl_findings("internal_metrics", METRIC_FIELDS) == [
        CONDITION_ERROR,
        (
            Severity.ERROR,
            f"transforms.shape: VRL in `source` (line 1, column 1 of the program) does not compile: {TYPE_ERRORS}",
        ),
    ]
    coerced = '.tags.app = upcase(string!(.tags.host))\nstarts_with(string!(.name), "app.")\n'
    assert judge(coerced) is None


def test_with_schema_enabled_a_type_only_error_of_a_remap_is_a_note() -> None:
    """`schema.enabled` types the fields of log inputs for Vector's compiler, which the wheel cannot be given."""
    typed = _vrl_findings("demo_logs", METRIC_FIELDS, {"schema": {"enabled": True}})
    assert typed == [
        CONDITION_ERROR,  # conditions are compiled without a schema
        (
            Severity.NOTE,
            f"transforms.shape: VRL in `source` (line 1, column 1 of the program) is not fully checked here: "
            f"{TYPE_ERRORS} for fields read as `any`, but with `schema.enabled` Vector compiles a remap against the "
            "field types its log inputs declare, which the VRL compiler used here (the vector-vrl wheel) cannot be "
            "given; `portal validate --vector` checks it with a real vector binary",
        ),
    ]
    assert _vrl_findings("demo_logs", METRIC_FIELDS, {"schema": {"enabled": False}})[1][0] == Severity.ERROR
    # Errors the types do not decide stay errors.
    misspelled = _vrl_findings("demo_logs", ".a = upcas(.b)\n", {"schema": {"enabled": True}})
    assert misspelled[1] == (
        Severity.ERROR,
        "transforms.shape: VRL in `source` (line 1, column 6 of the program) does not compile: call to undefined "
        "function `upcas`",
    )
