"""The approval policy that applies to an artifact (DOMAIN.md §2.4).

For each rule, the most specific scope that sets it wins: artifact (inline `approvalPolicy` and policies bound
to the artifact) > namespace > team > global. Within one scope the strictest value wins. Enforcement is the
strictest level of every policy that applies (block > warn > audit); with none, `block`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from reconciler.model.kinds import Artifact, Policy, RepoModel

Scope = Literal["artifact", "namespace", "team", "global"]
Enforcement = Literal["block", "warn", "audit"]

SCOPES_MOST_SPECIFIC_FIRST: tuple[Scope, ...] = ("artifact", "namespace", "team", "global")
ENFORCEMENT_STRICTNESS: Mapping[str, int] = {"audit": 0, "warn": 1, "block": 2}
DEFAULT_ENFORCEMENT: Enforcement = "block"
PLATFORM_TEAM = "platform"  # Keeper's owner of artifacts without a team
GRADES_BEST_FIRST = "ABCDEF"


def _strictest_grade(values: Iterable[Any]) -> str:
    grades = [str(v).upper() for v in values]
    known = [g for g in grades if g in GRADES_BEST_FIRST]
    return min(known, key=GRADES_BEST_FIRST.index) if known else grades[0]


def _max_count(values: Iterable[Any]) -> int:
    return max((v for v in values if isinstance(v, int) and not isinstance(v, bool)), default=1)


def _any_true(values: Iterable[Any]) -> bool:
    """A requirement is on when any policy of the scope turns it on."""
    return any(bool(v) for v in values)


def _all_true(values: Iterable[Any]) -> bool:
    """A relaxation is on only when no policy of the scope turns it off."""
    return all(bool(v) for v in values)


# How several values of one rule within one scope combine into the strictest.
_STRICTEST: Mapping[str, Callable[[Iterable[Any]], Any]] = {
    "minApprovers": _max_count,
    "requiredScanGrade": _strictest_grade,
    "preventSelfApproval": _any_true,
    "requirePassingTests": _any_true,
    "requirePassingValidate": _any_true,
    "autoApprovePatches": _all_true,
}
RULES: tuple[str, ...] = tuple(_STRICTEST)


@dataclass(frozen=True, slots=True)
class RuleOrigin:
    """Where an effective rule value comes from, for the site and for messages."""

    rule: str
    value: Any
    scope: Scope
    sources: tuple[str, ...]  # "Policy/name" or "Artifact/name (inline)"


@dataclass(frozen=True, slots=True)
class EffectivePolicy:
    rules: Mapping[str, Any]  # only the rules some applicable scope sets
    enforcement_level: Enforcement
    origins: tuple[RuleOrigin, ...] = ()
    policies: tuple[str, ...] = ()  # names of the Policies that apply, in name order

    @property
    def min_approvers(self) -> int:
        """Valid approvals a version needs; approval is always an act, so never fewer than one."""
        return max(1, int(self.rules.get("minApprovers", 1)))

    @property
    def prevent_self_approval(self) -> bool:
        return bool(self.rules.get("preventSelfApproval", True))  # on unless explicitly false

    @property
    def auto_approve_patches(self) -> bool:
        return bool(self.rules.get("autoApprovePatches", False))

    @property
    def requires_runs(self) -> bool:
        """Tests or validate runs are required: auto-approval never applies then."""
        return bool(self.rules.get("requirePassingTests")) or bool(self.rules.get("requirePassingValidate"))

    def origin_of(self, rule: str) -> RuleOrigin | None:
        return next((o for o in self.origins if o.rule == rule), None)


def binding_scopes(policy: Policy, artifact: Artifact) -> set[Scope]:
    """The scopes through which `policy` reaches `artifact` (none when it does not apply)."""
    team = artifact.team or PLATFORM_TEAM
    scopes: set[Scope] = set()
    for binding in policy.bindings:
        if binding.scope == "global":
            scopes.add("global")
        elif binding.scope == "team" and binding.value == team:
            scopes.add("team")
        elif binding.scope == "namespace" and binding.value == artifact.namespace:
            scopes.add("namespace")
        elif binding.scope == "artifact" and binding.value == artifact.name:
            scopes.add("artifact")
    return scopes


@dataclass(slots=True)
class _PolicyIndex:
    """A model's policies by binding, and the policies already resolved for artifacts that only team and
    namespace bindings reach (most of them: they share one result per team and namespace)."""

    policies: Mapping[str, Policy]  # the dict indexed (held, so its id cannot be reused)
    by_binding: dict[tuple[str, str | None], set[str]]
    shared: dict[tuple[str, str], EffectivePolicy]


_index: _PolicyIndex | None = None


def _policy_index(model: RepoModel) -> _PolicyIndex:
    global _index
    if _index is None or _index.policies is not model.policies:
        by_binding: dict[tuple[str, str | None], set[str]] = {}
        for name, policy in model.policies.items():
            for binding in policy.bindings:
                key = (binding.scope, None if binding.scope == "global" else binding.value)
                by_binding.setdefault(key, set()).add(name)
        _index = _PolicyIndex(model.policies, by_binding, {})
    return _index


def _policies_binding(index: _PolicyIndex, artifact: Artifact) -> list[str]:
    """Names of the policies with a binding that can reach `artifact`, without scanning every policy."""
    keys = (
        ("global", None),
        ("team", artifact.team or PLATFORM_TEAM),
        ("namespace", artifact.namespace),
        ("artifact", artifact.name),
    )
    return sorted(set().union(*(index.by_binding.get(key, ()) for key in keys)))


def _rule_values(rules: Mapping[str, Any]) -> dict[str, Any]:
    return {rule: rules[rule] for rule in RULES if rules.get(rule) is not None}


def effective_policy(artifact: Artifact, model: RepoModel) -> EffectivePolicy:
    """The rules and enforcement for `artifact`, from its inline policy and the Policies of `model`."""
    index = _policy_index(model)
    shared_key = (artifact.team or PLATFORM_TEAM, artifact.namespace)
    shareable = not artifact.approval_policy and ("artifact", artifact.name) not in index.by_binding
    if shareable and shared_key in index.shared:
        return index.shared[shared_key]
    # Per scope: the rule sets written there, each with the name of where it was written.
    by_scope: dict[Scope, list[tuple[str, Mapping[str, Any]]]] = {s: [] for s in SCOPES_MOST_SPECIFIC_FIRST}
    enforcements: list[str] = []
    applying: list[str] = []
    inline = artifact.approval_policy or {}
    if inline:
        by_scope["artifact"].append((f"{artifact.doc.subject} (inline)", inline))
        if inline.get("enforcementLevel") in ENFORCEMENT_STRICTNESS:
            enforcements.append(inline["enforcementLevel"])
    for name in _policies_binding(index, artifact):
        policy = model.policies[name]
        scopes = binding_scopes(policy, artifact)
        if not scopes:
            continue
        applying.append(name)
        enforcements.append(policy.enforcement_level)
        for scope in scopes:
            by_scope[scope].append((policy.doc.subject, policy.rules or {}))

    rules: dict[str, Any] = {}
    origins: list[RuleOrigin] = []
    for rule in RULES:
        for scope in SCOPES_MOST_SPECIFIC_FIRST:
            setting = [(source, values[rule]) for source, values in by_scope[scope] if rule in _rule_values(values)]
            if not setting:
                continue
            value = _STRICTEST[rule](v for _, v in setting)
            rules[rule] = value
            origins.append(RuleOrigin(rule, value, scope, tuple(source for source, _ in setting)))
            break
    level = max(enforcements, key=ENFORCEMENT_STRICTNESS.__getitem__, default=DEFAULT_ENFORCEMENT)
    result = EffectivePolicy(rules, level, tuple(origins), tuple(applying))
    if shareable:
        index.shared[shared_key] = result
    return result


def _scan_grade_rank(policy: EffectivePolicy) -> int:
    grade = str(policy.rules.get("requiredScanGrade", "")).upper()
    return GRADES_BEST_FIRST.index(grade) if grade and grade in GRADES_BEST_FIRST else len(GRADES_BEST_FIRST)


def weakened_rules(policy: EffectivePolicy, floor: EffectivePolicy) -> dict[str, Any]:
    """The rules on which `policy` asks less than `floor`, each with the floor's value (what restores it)."""
    weaker: dict[str, Any] = {}
    if policy.min_approvers < floor.min_approvers:
        weaker["minApprovers"] = floor.min_approvers
    if floor.prevent_self_approval and not policy.prevent_self_approval:
        weaker["preventSelfApproval"] = True
    if policy.auto_approve_patches and not floor.auto_approve_patches:
        weaker["autoApprovePatches"] = False
    for rule in ("requirePassingTests", "requirePassingValidate"):
        if floor.rules.get(rule) and not policy.rules.get(rule):
            weaker[rule] = True
    if _scan_grade_rank(policy) > _scan_grade_rank(floor):
        weaker["requiredScanGrade"] = floor.rules["requiredScanGrade"]
    if ENFORCEMENT_STRICTNESS[policy.enforcement_level] < ENFORCEMENT_STRICTNESS[floor.enforcement_level]:
        weaker["enforcementLevel"] = floor.enforcement_level
    return weaker


def restrained(artifact: Artifact, weaker: Mapping[str, Any]) -> Artifact:
    """`artifact` with its inline policy raised back to the floor on every rule where it was weaker."""
    return replace(artifact, approval_policy={**artifact.approval_policy, **weaker})
