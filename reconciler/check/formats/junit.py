"""JUnit XML (Ant's schema, which CI test reports read): one testsuite per kind of document, one testcase per
document. A document with errors fails; its warnings and notes, and those of documents that pass, are listed in
the suite's `system-out` (Ant's schema gives a testcase no output of its own). Findings about no document (a file
that holds none, a path refused unread) are testcases of a suite of their own, one per file. The pipelines'
tests, last, are the suite `pipeline-tests`: a testcase per test, named `<pipeline>/<test>` as `portal pipeline
test` names it, with its file as class (viewers group by it); one that fails fails, one not run is skipped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

from reconciler.herald.tests.results import TestResult
from reconciler.model import Diagnostic, Document, Severity, rules

# The suite of findings that are about no document.
FILES_SUITE = "files"
# The suite of the pipelines' tests.
TESTS_SUITE = "pipeline-tests"
# The report describes a commit, not a moment: a fixed time keeps the output a function of the findings.
TIMESTAMP = "1970-01-01T00:00:00"
# XML 1.0 cannot hold these characters, not even escaped, and a parser turns CR into LF: they are written as
# \xNN (\r) instead.
_NOT_XML = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], text)


@dataclass
class _Case:
    name: str
    classname: str
    findings: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [f for f in self.findings if f.severity is Severity.ERROR]


def _cases(
    findings: Sequence[Diagnostic], documents: Sequence[Document]
) -> tuple[dict[str, list[_Case]], dict[str, _Case]]:
    """Per kind, a case per document (by place); and per file, a case for the findings about no document."""
    by_kind: dict[str, list[_Case]] = {}
    by_place: dict[tuple[str, str], _Case] = {}
    by_subject: dict[str, _Case] = {}
    for doc in sorted(documents, key=lambda d: (d.kind, d.path, d.index)):
        case = _Case(doc.subject, doc.path)
        by_kind.setdefault(doc.kind, []).append(case)
        by_place.setdefault((doc.path, doc.subject), case)
        by_subject.setdefault(doc.subject, case)
    files: dict[str, _Case] = {}
    for finding in findings:
        path = finding.location.path if finding.location else ""
        subject = finding.subject or ""
        case = by_place.get((path, subject)) or by_subject.get(subject)
        if case is None:
            name = path or "(repository)"
            case = files.setdefault(name, _Case(name, name))
        case.findings.append(finding)
    return by_kind, files


def _suite_element(
    parent: ET.Element, name: str, index: int, tests: int, failures: int, skipped: int = 0
) -> ET.Element:
    suite = ET.SubElement(
        parent,
        "testsuite",
        name=name,
        package="portal",
        id=str(index),
        timestamp=TIMESTAMP,
        hostname="localhost",
        tests=str(tests),
        failures=str(failures),
        errors="0",
        **({"skipped": str(skipped)} if skipped else {}),
        time="0",
    )
    ET.SubElement(suite, "properties")
    return suite


def _suite(parent: ET.Element, name: str, index: int, cases: list[_Case]) -> None:
    suite = _suite_element(parent, name, index, len(cases), sum(1 for case in cases if case.errors))
    other: list[Diagnostic] = []
    for case in cases:
        testcase = ET.SubElement(
            suite, "testcase", name=_xml_safe(case.name), classname=_xml_safe(case.classname), time="0"
        )
        errors = case.errors
        if errors:
            message = errors[0].message if len(errors) == 1 else f"{len(errors)} errors"
            failure = ET.SubElement(testcase, "failure", message=_xml_safe(message), type=rules.rule_of(errors[0]))
            failure.text = _xml_safe("\n".join(f.format() for f in case.findings))
        else:
            other.extend(case.findings)
    ET.SubElement(suite, "system-out").text = _xml_safe("\n".join(f.format() for f in other))
    ET.SubElement(suite, "system-err")


def _tests_suite(parent: ET.Element, index: int, results: Sequence[TestResult]) -> None:
    failed = sum(r.status == "failed" for r in results)
    suite = _suite_element(
        parent, TESTS_SUITE, index, len(results), failed, sum(r.status == "not run" for r in results)
    )
    for result in results:
        testcase = ET.SubElement(
            suite,
            "testcase",
            name=_xml_safe(f"{result.pipeline}/{result.test}"),
            classname=_xml_safe(result.location.path),
            time="0",
        )
        if result.status == "failed":
            failure = ET.SubElement(testcase, "failure", message=_xml_safe(result.reason), type=rules.PIPELINE_TESTS)
            failure.text = _xml_safe(f"{result.location}: {result.reason}")
        elif result.status == "not run":
            ET.SubElement(testcase, "skipped", message=_xml_safe(result.reason))
    ET.SubElement(suite, "system-out")
    ET.SubElement(suite, "system-err")


def render_junit(
    findings: Sequence[Diagnostic], documents: Sequence[Document], tests: Sequence[TestResult] = ()
) -> str:
    """A `<testsuites>` report: suites by kind (sorted), then the suite of findings about no document, then the
    suite of the pipelines' tests (when there are any)."""
    by_kind, files = _cases(findings, documents)
    root = ET.Element("testsuites")
    suites = [*sorted(by_kind.items()), *([(FILES_SUITE, [files[k] for k in sorted(files)])] if files else [])]
    for index, (name, cases) in enumerate(suites):
        _suite(root, name, index, cases)
    if tests:
        _tests_suite(root, len(suites), tests)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
