"""The starter template's CI: the GitHub workflows and the GitLab example are valid (check-jsonschema's vendored
schemas, offline), run `portal check` as a pull request needs it, and give a pull request's code no write token,
no secret and no way into a script."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.cli import build_parser
from reconciler.cli.check import FORMATS
from reconciler.resources import template_dir
from tests.conftest import REPO_ROOT, run_portal_in_process

TEMPLATE = template_dir()
WORKFLOWS = TEMPLATE / ".github" / "workflows"
CHECK = WORKFLOWS / "portal-check.yaml"
COMMENT = WORKFLOWS / "portal-check-comment.yaml"
GITLAB = TEMPLATE / ".gitlab-ci.yml"
MARKER = "<!-- portal-check -->"
# A shell array assigned or extended (`args=(…)`, `args+=(…)`) and the positional parameters set (`set -- …`).
_ARRAY = re.compile(r"^(\w+)(\+?)=\((.*)\)$")


def _check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    # --builtin-schema reads the schema check-jsonschema ships: nothing is downloaded.
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _load(path: Path) -> dict[Any, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _steps(workflow: dict[Any, Any], job: str) -> list[dict[str, Any]]:
    return workflow["jobs"][job]["steps"]


def _step(workflow: dict[Any, Any], job: str, uses: str) -> dict[str, Any]:
    return next(s for s in _steps(workflow, job) if s.get("uses", "").startswith(uses))


def _scripts(workflow: dict[Any, Any]) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def test_the_workflows_are_valid_github_workflows() -> None:
    assert sorted(WORKFLOWS.iterdir()) == [COMMENT, CHECK]
    result = _check_jsonschema("vendor.github-workflows", CHECK, COMMENT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_gitlab_example_is_valid_gitlab_ci() -> None:
    result = _check_jsonschema("vendor.gitlab-ci", GITLAB)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_is_real(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(CHECK.read_text(encoding="utf-8").replace("runs-on:", "runs_on:"), encoding="utf-8")
    assert _check_jsonschema("vendor.github-workflows", broken).returncode == 1
    broken.write_text(GITLAB.read_text(encoding="utf-8").replace("when: always", "when: sometimes"), encoding="utf-8")
    assert _check_jsonschema("vendor.gitlab-ci", broken).returncode == 1


def test_the_pull_request_job_checks_and_keeps_markdown_and_sarif() -> None:
    workflow = _load(CHECK)
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    script = next(s for s in _scripts(workflow) if "portal check" in s)
    for needed in ("--base", "--actor-login", "--reviews", "--format markdown --output", "--format sarif --output"):
        assert needed in script, needed
    reviews = next(s for s in _scripts(workflow) if "/reviews" in s)
    assert 'gh api --paginate "repos/$REPO/pulls/$PR/reviews' in reviews
    env = next(s for s in _steps(workflow, "check") if s.get("run") == script)["env"]
    assert env["AUTHOR"] == "${{ github.event.pull_request.user.login }}"
    assert _step(workflow, "check", "actions/upload-artifact@")["with"]["path"] == "reports/"
    sarif = _step(workflow, "check", "github/codeql-action/upload-sarif@")["with"]["sarif_file"]
    assert sarif == "reports/portal-check.sarif" and "../reports/portal-check.sarif" in script
    assert "../reports/portal-check.md" in script


def _portal_check_arguments(script: str) -> list[list[str]]:
    """The arguments of each `portal check` in `script`, with the shell arrays and positional parameters it uses
    expanded to everything any branch of the script puts in them (`--live` included). Variables stay unexpanded:
    `"$BASE"` is one argument, as the shell passes it."""
    arrays: dict[str, list[str]] = {"@": []}
    invocations: list[list[str]] = []
    for line in script.replace("\\\n", " ").splitlines():
        line = line.strip()
        if (array := _ARRAY.match(line)) is not None:
            name, extend, items = array.groups()
            arrays[name] = (arrays[name] if extend else []) + shlex.split(items)
        elif line.startswith("set -- "):
            words = shlex.split(line)[2:]
            arrays["@"] = [w for word in words for w in (arrays["@"] if word == "$@" else [word])]
        elif line.startswith("portal check"):
            words = shlex.split(line.split("||")[0])[2:]
            expanded = {f"${{{name}[@]}}": items for name, items in arrays.items()} | {"$@": arrays["@"]}
            invocations.append([w for word in words for w in expanded.get(word, [word])])
    return invocations


def _parse_check(arguments: list[str]) -> argparse.Namespace:
    """`arguments` read by the real `portal check` parser; a usage error fails the test with argparse's message."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return build_parser(only="check").parse_args(["check", *arguments])
    except SystemExit:
        pytest.fail(f"portal check {shlex.join(arguments)}: {err.getvalue()}")


def _ci_invocations() -> dict[str, list[list[str]]]:
    """Every `portal check` of the template's CI, by file."""
    gitlab = "\n".join(
        line for job in _load(GITLAB).values() if isinstance(job, dict) for line in job.get("script", [])
    )
    invocations = {
        path.name: [args for script in _scripts(_load(path)) for args in _portal_check_arguments(script)]
        for path in (CHECK, COMMENT)
    }
    return invocations | {GITLAB.name: _portal_check_arguments(gitlab)}


def test_the_ci_calls_portal_check_only_as_the_command_accepts() -> None:
    invocations = _ci_invocations()
    parsed = {name: [_parse_check(args) for args in calls] for name, calls in invocations.items()}
    formats = {name: [(args.format, str(args.output)) for args in calls] for name, calls in parsed.items()}
    assert formats == {
        CHECK.name: [("markdown", "../reports/portal-check.md"), ("sarif", "../reports/portal-check.sarif")],
        COMMENT.name: [],
        GITLAB.name: [("gitlab", "gl-code-quality-report.json"), ("markdown", "portal-check.md")],
    }
    for calls in parsed.values():
        for args in calls:
            assert args.base is not None and args.actor_login is not None and args.reviews is not None
            assert args.live and args.kubeconfig  # the branch that adds them is read too


def test_the_invocation_check_is_real() -> None:
    """A script calling `portal check` with what it does not accept fails the check above."""
    script = 'args=(--base "$BASE")\nargs+=(--live)\nportal check "${args[@]}" --format checkstyle || true\n'
    assert _portal_check_arguments(script) == [["--base", "$BASE", "--live", "--format", "checkstyle"]]
    with pytest.raises(pytest.fail.Exception, match="invalid choice: 'checkstyle'"):
        _parse_check(_portal_check_arguments(script)[0])
    with pytest.raises(pytest.fail.Exception, match="unrecognized arguments: --sarif"):
        _parse_check(["--base", "main", "--sarif"])


def test_the_readme_describes_portal_check_as_the_command_accepts() -> None:
    """The README's synopsis names the options the parser has and the formats it renders, and its format
    sections describe each of them."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    synopsis = re.search(r"^\| `(portal check [^`]*)` \|", readme, re.M)
    assert synopsis is not None
    written = synopsis.group(1).replace("\\|", "|")
    usage = " ".join(run_portal_in_process("check").err.split())  # the usage line of a usage error, unwrapped
    assert usage.startswith("usage: portal check ")
    assert set(re.findall(r"--[a-z][a-z-]*", written)) <= set(re.findall(r"--[a-z][a-z-]*", usage))
    assert "{" + ",".join(FORMATS) + "}" in usage
    assert re.search(r"--format ([a-z|]+)", written).group(1).split("|") == list(FORMATS)  # type: ignore[union-attr]
    for form in FORMATS:
        assert f"`{form}`" in readme, form


def test_the_state_dir_is_cached_by_the_base_commit_outside_the_checkout() -> None:
    workflow = _load(CHECK)
    assert workflow["env"]["PORTAL_STATE_DIR"] == "${{ github.workspace }}/.portal"
    assert _step(workflow, "check", "actions/checkout@")["with"]["path"] == "repo"
    restore = _step(workflow, "check", "actions/cache/restore@")["with"]
    assert restore["path"] == ".portal" and restore["key"] == "portal-state-${{ steps.base.outputs.sha }}"
    # Only a push of the target branch saves it: a pull request can restore the cache, never write it.
    assert not any(
        s.get("uses", "").startswith(("actions/cache@", "actions/cache/save@")) for s in _steps(workflow, "check")
    )
    save = _step(workflow, "validate", "actions/cache/save@")["with"]
    assert save["key"] == "portal-state-${{ github.sha }}"
    assert workflow["jobs"]["validate"]["if"] == "github.event_name == 'push'"


def test_live_runs_only_for_branches_of_the_repository_itself() -> None:
    workflow = _load(CHECK)
    step = next(s for s in _steps(workflow, "check") if "portal check" in s.get("run", ""))
    assert step["env"]["SAME_REPOSITORY"] == "${{ github.event.pull_request.head.repo.full_name == github.repository }}"
    guarded = re.search(r'if \[ "\$SAME_REPOSITORY" = true \].*?\n(.*?)\n\s*fi', step["run"], re.S)
    assert guarded is not None and "--live" in guarded.group(1)
    assert step["run"].count("--live") == 1


def test_the_pull_request_run_holds_no_write_token() -> None:
    workflow = _load(CHECK)
    assert workflow["permissions"] == {"contents": "read"}
    granted = {job: spec.get("permissions", {}) for job, spec in workflow["jobs"].items()}
    writes = {(job, scope) for job, scopes in granted.items() for scope, level in scopes.items() if level == "write"}
    assert writes == {("check", "security-events")}  # code scanning; a fork's run gets it read-only
    assert _step(workflow, "check", "actions/checkout@")["with"]["persist-credentials"] is False


def test_the_comment_is_posted_by_a_workflow_run_that_runs_no_code_of_the_change() -> None:
    workflow = _load(COMMENT)
    assert workflow[True]["workflow_run"]["workflows"] == [_load(CHECK)["name"]]
    assert workflow["permissions"] == {"actions": "read", "pull-requests": "write"}  # nothing else to write
    assert "github.event.workflow_run.event == 'pull_request'" in workflow["jobs"]["comment"]["if"]
    steps = _steps(workflow, "comment")
    assert not any(s.get("uses", "").startswith("actions/checkout") for s in steps)
    # The number comes from the event; the artifact's content is only ever read as the comment's text.
    find = next(s for s in steps if s.get("id") == "pr")
    assert find["env"]["NUMBER"] == "${{ github.event.workflow_run.pull_requests[0].number }}"
    assert all(value.startswith("${{ github.") for value in find["env"].values())
    post = steps[-1]
    assert post["env"]["PR"] == "${{ steps.pr.outputs.number }}"
    assert f'!= "{MARKER}"' in post["run"] and f'startswith("{MARKER}")' in post["run"]
    assert _step(workflow, "comment", "actions/download-artifact@")["with"]["run-id"] == (
        "${{ github.event.workflow_run.id }}"
    )


@pytest.mark.parametrize("path", [CHECK, COMMENT])
def test_no_expression_is_pasted_into_a_script(path: Path) -> None:
    """Branch names, titles and logins are the change author's text: they reach scripts as environment
    variables, never as `${{ }}` pasted into the shell code."""
    for script in _scripts(_load(path)):
        assert "${{" not in script, script


def test_the_install_is_the_package_the_project_builds() -> None:
    name = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    installs = [s for s in _scripts(_load(CHECK)) if "pip install" in s]
    assert installs and all(s == f"pip install {name}" for s in installs)
    assert _load(GITLAB)["portal-check"]["before_script"] == [f"pip install {name}"]


def test_the_gitlab_example_reports_code_quality() -> None:
    job = _load(GITLAB)["portal-check"]
    script = "\n".join(job["script"])
    report = job["artifacts"]["reports"]["codequality"]
    assert f"--format gitlab --output {report}" in script
    assert job["artifacts"]["when"] == "always"
    assert job["cache"]["key"] == "portal-state-$CI_MERGE_REQUEST_DIFF_BASE_SHA"
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]


def test_init_copies_the_ci(tmp_path: Path, portal) -> None:
    assert portal("init", tmp_path / "platform").code == 0
    for path in (CHECK, COMMENT, GITLAB):
        copied = tmp_path / "platform" / path.relative_to(TEMPLATE)
        assert copied.read_bytes() == path.read_bytes()


def _pre_commit(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",  # `portal` as the hook's `language: system` finds it
        "HOME": str(tmp_path),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
        "PORTAL_STATE_DIR": str(tmp_path / "state"),
    }
    command = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_pre_commit_hook_validates_the_new_repo(tmp_path: Path, portal) -> None:
    repo = tmp_path / "platform"
    assert portal("init", repo).code == 0
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    passed = _pre_commit(repo, tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"portal validate\.+Passed", passed.stdout)
    (repo / "teams" / "broken.yaml").write_text("a: [1, 2\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    failed = _pre_commit(repo, tmp_path)
    assert failed.returncode == 1
    assert "teams/broken.yaml:2:1: error: invalid YAML" in failed.stdout
