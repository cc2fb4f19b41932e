"""The webhooks as an attacker would try them: only a delivery signed with the secret causes a fetch."""

from __future__ import annotations

import json

import pytest

from reconciler.daemon.webhooks import MAX_BODY_BYTES
from tests.daemon.conftest import GENERIC_SECRET, GITHUB_SECRET, GITLAB_TOKEN, RunningDaemon, settle, signature


@pytest.fixture
def running(run_daemon) -> RunningDaemon:
    started: RunningDaemon = run_daemon()
    started.wait_cycles(1)
    return started


def _no_cycle_after(running: RunningDaemon, cycles: int) -> None:
    settle()
    assert running.daemon.cycles == cycles


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no signature
        {"X-Hub-Signature-256": ""},
        {"X-Hub-Signature-256": "sha256="},
        {"X-Hub-Signature-256": signature("not-the-secret", b"{}")},
        {"X-Hub-Signature-256": "sha1=0000"},
    ],
    ids=["missing", "empty", "bare-prefix", "other-secret", "sha1"],
)
def test_github_bad_or_missing_signature_is_401_and_fetches_nothing(
    running: RunningDaemon, headers: dict[str, str]
) -> None:
    body = running.push_payload()
    response = running.post("/hooks/github", body, {"X-GitHub-Event": "push", **headers})
    assert response.status == 401
    _no_cycle_after(running, 1)
    assert running.metric("portal_webhook_deliveries_total", endpoint="github", result="unauthorized") == 1


def test_a_signature_for_another_body_is_refused(running: RunningDaemon) -> None:
    signed = running.push_payload()
    tampered = signed.replace(b"refs/heads", b"refs/heads ")
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature(GITHUB_SECRET, signed)}
    assert running.post("/hooks/github", tampered, headers).status == 401
    generic = {"X-Portal-Signature": signature(GENERIC_SECRET, signed)}
    assert running.post("/hooks/generic", tampered, generic).status == 401
    _no_cycle_after(running, 1)


def test_gitlab_needs_its_token(running: RunningDaemon) -> None:
    body = running.push_payload()
    for token in ("", "gitlab-token-for-test", GITLAB_TOKEN + "x"):
        headers = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": token}
        assert running.post("/hooks/gitlab", body, headers).status == 401
    assert running.post("/hooks/gitlab", body, {"X-Gitlab-Event": "Push Hook"}).status == 401
    _no_cycle_after(running, 1)
    headers = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": GITLAB_TOKEN}
    assert running.post("/hooks/gitlab", body, headers).status == 202
    running.wait_cycles(2)


def test_generic_hook_with_a_valid_signature_fetches(running: RunningDaemon) -> None:
    body = b'{"ref": null}'
    assert running.post("/hooks/generic", body, {"X-Portal-Signature": signature(GENERIC_SECRET, body)}).status == 202
    running.wait_cycles(2)
    assert running.metric("portal_webhook_deliveries_total", endpoint="generic", result="accepted") == 1


def test_an_endpoint_without_a_secret_is_off(run_daemon) -> None:
    """No secret configured must not mean "any signature" (an HMAC with an empty key is easy to forge)."""
    running: RunningDaemon = run_daemon(environ={"PORTAL_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET})
    running.wait_cycles(1)
    body = running.push_payload()
    assert running.post("/hooks/generic", body, {"X-Portal-Signature": signature("", body)}).status == 404
    assert running.post("/hooks/gitlab", body, {"X-Gitlab-Token": ""}).status == 404
    _no_cycle_after(running, 1)


def test_an_oversized_body_is_413_without_being_read_whole(running: RunningDaemon) -> None:
    big = b"x" * (MAX_BODY_BYTES + 1)
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature(GITHUB_SECRET, big)}
    assert running.post("/hooks/github", big, headers).status == 413

    def chunks():  # no Content-Length: refused once the limit is crossed while reading
        for _ in range(40):
            yield b"y" * 65536

    headers = {"X-Portal-Signature": "sha256=00", "Transfer-Encoding": "chunked"}
    assert running.post("/hooks/generic", chunks(), headers).status == 413
    _no_cycle_after(running, 1)
    assert running.metric("portal_webhook_deliveries_total", endpoint="github", result="too_large") == 1


def test_a_replayed_delivery_causes_no_second_cycle(running: RunningDaemon) -> None:
    assert running.github_push("delivery-1") == 202
    running.wait_cycles(2)
    assert running.github_push("delivery-1") == 200
    _no_cycle_after(running, 2)
    assert running.metric("portal_webhook_deliveries_total", endpoint="github", result="duplicate") == 1


def test_a_push_to_another_branch_is_ignored(running: RunningDaemon) -> None:
    body = running.push_payload(ref="refs/heads/attacker")
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature(GITHUB_SECRET, body)}
    response = running.post("/hooks/github", body, headers)
    assert (response.status, json.loads(response.data)["result"]) == (200, "ignored")
    _no_cycle_after(running, 1)


def test_the_payload_names_no_url_or_commit_that_is_used(running: RunningDaemon) -> None:
    """The daemon fetches its own repository's branch, whatever the delivery says."""
    head = running.repo.head
    body = json.dumps(
        {"ref": f"refs/heads/{running.branch}", "after": "0" * 40, "repository": {"clone_url": "file:///evil"}}
    ).encode()
    headers = {
        "X-GitHub-Event": "push",
        "X-Hub-Signature-256": signature(GITHUB_SECRET, body),
        "X-GitHub-Delivery": "x",
    }
    assert running.post("/hooks/github", body, headers).status == 202
    running.wait_cycles(2)
    assert running.daemon.cycle.judged == head


def test_a_burst_of_pushes_coalesces(running: RunningDaemon) -> None:
    for number in range(10):
        assert running.github_push(f"burst-{number}") == 202
    running.wait_cycles(2)
    settle(1.0)
    assert running.daemon.cycles <= 3  # the first, then at most one for the burst and one for a push mid-fetch


def test_secrets_are_read_from_files(tmp_path, run_daemon) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(GENERIC_SECRET + "\n")
    running: RunningDaemon = run_daemon(environ={"PORTAL_WEBHOOK_SECRET_FILE": str(secret_file)})
    running.wait_cycles(1)
    body = b"{}"
    assert running.post("/hooks/generic", body, {"X-Portal-Signature": signature(GENERIC_SECRET, body)}).status == 202
    running.wait_cycles(2)


def test_a_signed_body_that_is_not_json_or_not_a_push_fetches_nothing(running: RunningDaemon) -> None:
    for body, event, status in ((b"not json", "push", 400), (b"[]", "push", 400), (b"{}", "ping", 200)):
        headers = {"X-GitHub-Event": event, "X-Hub-Signature-256": signature(GITHUB_SECRET, body)}
        assert running.post("/hooks/github", body, headers).status == status
    _no_cycle_after(running, 1)
    assert running.metric("portal_webhook_deliveries_total", endpoint="github", result="bad_request") == 2
    assert running.metric("portal_webhook_deliveries_total", endpoint="github", result="ignored") == 1


def test_secrets_never_reach_the_log_or_the_metrics(running: RunningDaemon) -> None:
    assert running.github_push("a") == 202
    body = running.push_payload()
    running.post("/hooks/gitlab", body, {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": GITLAB_TOKEN})
    running.post("/hooks/generic", body, {"X-Portal-Signature": signature(GENERIC_SECRET, body)})
    running.wait_cycles(2)
    seen = running.log.getvalue() + running.metrics()
    for secret in (GITHUB_SECRET, GITLAB_TOKEN, GENERIC_SECRET):
        assert secret not in seen
