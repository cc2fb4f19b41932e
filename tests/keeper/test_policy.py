"""Effective policy resolution (DOMAIN.md §2.4): scopes × rules × enforcement."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.keeper.policy import effective_policy
from reconciler.model import Severity
from reconciler.model.checks import CheckContext
from reconciler.validate import references
from tests.keeper.builders import HEADER, TEAMS, artifact, model

Binding = tuple[str, str | None]


def policy_doc(name: str, bindings: list[Binding], rules: dict[str, Any], enforcement: str | None = None) -> str:
    written = [{"scope": s} if v is None else {"scope": s, "value": v} for s, v in bindings]
    level = f"  enforcementLevel: {enforcement}\n" if enforcement else ""
    return (
        HEADER
        + f"kind: Policy\nmetadata:\n  name: {name}\nspec:\n{level}"
        + f"  rules: {json.dumps(rules)}\n  bindings: {json.dumps(written)}\n"
    )


def resolve(policies: list[tuple[list[Binding], dict[str, Any], str | None]], inline: dict[str, Any] | None = None):
    spec = f"  approvalPolicy: {json.dumps(inline)}\n" if inline else ""
    files = {**TEAMS, "artifacts/vpc.yaml": artifact("    []\n", spec=spec)}
    for i, (bindings, rules, enforcement) in enumerate(policies):
        files[f"policies/p{i}.yaml"] = policy_doc(f"p{i}", bindings, rules, enforcement)
    built = model(files)
    return effective_policy(built.artifacts["vpc"], built)


GLOBAL: list[Binding] = [("global", None)]
TEAM: list[Binding] = [("team", "platform")]
NAMESPACE: list[Binding] = [("namespace", "networking")]
ARTIFACT: list[Binding] = [("artifact", "vpc")]


@pytest.mark.parametrize(
    ("policies", "inline", "rules", "enforcement"),
    [
        pytest.param([], None, {}, "block", id="no policies: empty rules and block"),
        pytest.param([(GLOBAL, {"minApprovers": 3}, "warn")], None, {"minApprovers": 3}, "warn", id="global"),
        pytest.param(
            [(GLOBAL, {"minApprovers": 3}, None), (TEAM, {"minApprovers": 2}, None)],
            None,
            {"minApprovers": 2},
            "block",
            id="team beats global, even when less strict",
        ),
        pytest.param(
            [(TEAM, {"minApprovers": 3}, None), (NAMESPACE, {"minApprovers": 1}, None)],
            None,
            {"minApprovers": 1},
            "block",
            id="namespace beats team",
        ),
        pytest.param(
            [(NAMESPACE, {"minApprovers": 3}, None)],
            {"minApprovers": 2},
            {"minApprovers": 2},
            "block",
            id="inline (artifact scope) beats namespace",
        ),
        pytest.param(
            [(ARTIFACT, {"minApprovers": 3}, None)],
            {"minApprovers": 2},
            {"minApprovers": 3},
            "block",
            id="inline and bound to the artifact share a scope: strictest wins",
        ),
        pytest.param(
            [(GLOBAL, {"autoApprovePatches": True}, None), (NAMESPACE, {"minApprovers": 2}, None)],
            None,
            {"minApprovers": 2, "autoApprovePatches": True},
            "block",
            id="each rule resolves on its own",
        ),
        pytest.param(
            [
                (TEAM, {"preventSelfApproval": False, "autoApprovePatches": True}, None),
                (TEAM, {"preventSelfApproval": True, "autoApprovePatches": False}, None),
            ],
            None,
            {"preventSelfApproval": True, "autoApprovePatches": False},
            "block",
            id="within a scope: any true for booleans, any false for autoApprovePatches",
        ),
        pytest.param(
            [(NAMESPACE, {"requiredScanGrade": "C"}, None), (NAMESPACE, {"requiredScanGrade": "B"}, None)],
            None,
            {"requiredScanGrade": "B"},
            "block",
            id="within a scope: best grade",
        ),
        pytest.param(
            [(GLOBAL, {"preventSelfApproval": True}, None), (NAMESPACE, {"preventSelfApproval": False}, None)],
            None,
            {"preventSelfApproval": False},
            "block",
            id="preventSelfApproval off only when explicitly false",
        ),
        pytest.param(
            [(GLOBAL, {}, "audit"), (NAMESPACE, {}, "warn")],
            None,
            {},
            "warn",
            id="enforcement: strictest overall (warn > audit)",
        ),
        pytest.param(
            [(GLOBAL, {"minApprovers": 2}, "audit")],
            {"enforcementLevel": "block"},
            {"minApprovers": 2},
            "block",
            id="enforcement: the inline level counts",
        ),
        pytest.param(
            [(GLOBAL, {}, "audit"), (TEAM, {}, "audit")],
            None,
            {},
            "audit",
            id="enforcement: audit when every applicable policy audits",
        ),
        pytest.param(
            [
                ([("team", "payments")], {"minApprovers": 5}, "block"),
                ([("namespace", "storage")], {"minApprovers": 4}, "block"),
                ([("artifact", "other")], {"minApprovers": 3}, "block"),
                (GLOBAL, {}, "warn"),
            ],
            None,
            {},
            "warn",
            id="policies bound elsewhere do not apply",
        ),
    ],
)
def test_resolution(policies, inline, rules, enforcement) -> None:
    policy = resolve(policies, inline)
    assert (dict(policy.rules), policy.enforcement_level) == (rules, enforcement)


def test_defaults_when_nothing_is_set() -> None:
    policy = resolve([])
    assert (policy.min_approvers, policy.prevent_self_approval, policy.auto_approve_patches) == (1, True, False)


def test_origins_name_the_winning_scope_and_sources() -> None:
    policy = resolve(
        [(NAMESPACE, {"minApprovers": 3}, None), (ARTIFACT, {"minApprovers": 2}, None)], {"minApprovers": 1}
    )
    origin = policy.origin_of("minApprovers")
    assert origin is not None
    assert (origin.value, origin.scope, origin.sources) == (2, "artifact", ("Artifact/vpc (inline)", "Policy/p1"))
    assert policy.policies == ("p0", "p1")


@pytest.mark.parametrize(
    ("binding", "says"),
    [
        (
            ("namespace", "netwrking"),
            "no Artifact is in namespace 'netwrking', so this binding applies to nothing; did you mean 'networking'?",
        ),
        (("team", "platfrom"), "Team 'platfrom' does not exist; did you mean 'platform'?"),
        (("artifact", "vcp"), "Artifact 'vcp' does not exist; did you mean 'vpc'?"),
    ],
)
def test_a_binding_that_names_nothing_is_an_error(binding: Binding, says: str) -> None:
    """A policy bound to a misspelled name silently governs nothing: the approvals it demands never apply."""
    files = {**TEAMS, "artifacts/vpc.yaml": artifact("    []\n"), "policies/p.yaml": policy_doc("p", [binding], {})}
    found = list(references.check(CheckContext(model=model(files))))
    assert [(d.severity, d.message) for d in found] == [(Severity.ERROR, f"spec.bindings[0].value: {says}")]
