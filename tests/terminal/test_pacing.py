"""Refusals paced per requester: a burst at once, then one per interval; nobody else waits behind them."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from reconciler.model.kinds import RepoModel
from sitegen.terminal.limits import Limits
from sitegen.terminal.pacing import RefusalPacing
from tests.terminal.builders import serving


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_requester_gets_its_burst_at_once_then_one_refusal_per_interval() -> None:
    pacing = RefusalPacing(per_second=10, burst=3, clock=FakeClock())
    assert [pacing.delay("user vic@acme.dev") for _ in range(6)] == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3])


def test_the_burst_refills_at_the_rate_and_no_further() -> None:
    clock = FakeClock()
    pacing = RefusalPacing(per_second=10, burst=3, clock=clock)
    for _ in range(5):
        pacing.delay("user vic@acme.dev")  # two refusals owed beyond the burst
    clock.now += 0.25  # the owed two are paid, and half a refusal is back
    assert pacing.delay("user vic@acme.dev") == pytest.approx(0.05)
    clock.now += 3600  # a long quiet: the burst again, not an hour's worth
    assert [pacing.delay("user vic@acme.dev") for _ in range(4)] == pytest.approx([0, 0, 0, 0.1])


def test_each_requester_is_paced_apart() -> None:
    pacing = RefusalPacing(per_second=10, burst=2, clock=FakeClock())
    for _ in range(10):
        pacing.delay("user vic@acme.dev")
    assert pacing.delay("user alice@acme.dev") == 0
    assert pacing.delay("address 192.0.2.7") == 0
    assert pacing.delay("user vic@acme.dev") > 0


def test_a_rate_of_zero_answers_every_refusal_at_once() -> None:
    pacing = RefusalPacing(per_second=0, burst=1, clock=FakeClock())
    assert {pacing.delay("user vic@acme.dev") for _ in range(100)} == {0}


def test_the_least_recently_refused_requesters_are_forgotten_beyond_the_bound() -> None:
    pacing = RefusalPacing(per_second=1, burst=1, max_requesters=2, clock=FakeClock())
    for requester in ("a", "b", "a", "c"):  # b is the least recently refused when c comes
        pacing.delay(requester)
    assert pacing.delay("b") == 0  # forgotten: a new burst
    assert pacing.delay("c") > 0  # remembered: still owes


@pytest.mark.parametrize(("per_second", "burst"), [(-1, 5), (10, 0)])
def test_a_pacing_needs_a_rate_of_zero_or_more_and_a_burst(per_second: float, burst: int) -> None:
    with pytest.raises(ValueError, match="refusal pacing"):
        RefusalPacing(per_second, burst)


async def test_beyond_the_waiting_bound_a_refusal_is_answered_without_waiting() -> None:
    pacing = RefusalPacing(per_second=1, burst=1, max_waiting=2)
    waits = [asyncio.create_task(pacing.wait("user vic@acme.dev")) for _ in range(4)]
    await asyncio.sleep(0.05)
    assert [w.done() for w in waits] == [True, False, False, True]
    assert (waits[0].result(), waits[3].result()) == (False, False)
    assert pacing.waiting == 2
    for wait in waits:
        wait.cancel()
    await asyncio.gather(*waits, return_exceptions=True)
    assert pacing.waiting == 0


async def _status(attempt: asyncio.Future[aiohttp.ClientWebSocketResponse]) -> int:
    try:
        socket = await attempt
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    await socket.close()
    return 101


async def test_a_flooding_viewer_waits_for_its_refusals_while_others_are_answered_at_once(model: RepoModel) -> None:
    limits = Limits(refusals_per_second=2, refusal_burst=2)
    async with serving(model, limits=limits) as harness:
        # The attacker varies the workspace and the case of its address: one requester all the same.
        targets = ["payments/alice-ledger", "payments/olga-notes", "payments/nothing-here"]
        flood = [
            asyncio.create_task(_status(harness.connect(targets[n % 3], user=f"{'VIC' if n % 2 else 'vic'}@acme.dev")))
            for n in range(5)
        ]
        deadline = time.monotonic() + 10
        while sum(f.done() for f in flood) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert sum(f.done() for f in flood) == 2  # the burst, answered at once; three wait their turn

        # Meanwhile nobody else waits: an allowed user, another refused user, an unknown caller.
        owner = await harness.connect(user="alice@acme.dev")
        assert await _status(harness.connect("payments/olga-notes", user="eve@evil.test")) == 403
        assert await _status(harness.connect()) == 401
        assert sum(f.done() for f in flood) == 2

        assert sorted(await asyncio.gather(*flood)) == [403, 403, 403, 403, 404]
        await owner.close()
        refused = [line for line in harness.audit("decision") if line.get("user", "").lower() == "vic@acme.dev"]
        assert len(refused) == 5 and {line["decision"] for line in refused} == {"refused"}
        metrics = await (await harness.client.get(f"{harness.base}/metrics")).text()
        assert "portal_terminal_refusals_paced_total 3.0" in metrics


async def test_an_unknown_caller_is_paced_by_its_address(model: RepoModel) -> None:
    async with serving(model, limits=Limits(refusals_per_second=2, refusal_burst=1)) as harness:
        first = asyncio.create_task(_status(harness.connect()))
        second = asyncio.create_task(_status(harness.connect(origin="https://elsewhere.test")))
        assert await first == 401
        await asyncio.sleep(0.1)
        assert not second.done()  # the same address, past its burst: it waits for its turn
        assert await second == 403


async def test_identities_spoofed_from_an_untrusted_peer_are_paced_as_its_address(model: RepoModel) -> None:
    """A name in the identity header from a peer that is not a trusted proxy is no identity: rotating names
    neither escapes the pacing nor spends the named users' turns."""
    async with serving(model, trusted=(), limits=Limits(refusals_per_second=2, refusal_burst=1)) as harness:
        first = asyncio.create_task(_status(harness.connect(user="alice@acme.dev")))
        second = asyncio.create_task(_status(harness.connect(user="bob@acme.dev")))
        assert await first == 401
        await asyncio.sleep(0.1)
        assert not second.done()
        assert await second == 401
        assert harness.sidecar.pacing.delay("user alice@acme.dev") == 0  # alice's own turns are untouched
