"""The admission lane: new requests start a few per turn of the event loop, in arrival order, so that a burst of
them cannot stall the sessions already open; without a burst a request waits for no more than the next turn."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from reconciler.model.kinds import RepoModel
from sitegen.terminal.lane import AdmissionLane
from sitegen.terminal.limits import Limits
from tests.terminal.builders import read_until, serving

TURN = "|"  # a mark in the log at each turn of the loop


def _mark_turns(log: list[object], loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Log TURN once per turn of the loop (as a socket ready at every turn would run) until `stop` is set."""

    def mark() -> None:
        if not stop.is_set():
            log.append(TURN)
            loop.call_soon(mark)

    loop.call_soon(mark)


def _admitted_per_turn(log: list[object]) -> list[list[object]]:
    turns: list[list[object]] = [[]]
    for entry in log:
        if entry == TURN:
            turns.append([])
        else:
            turns[-1].append(entry)
    return turns


async def test_without_a_burst_a_request_starts_in_the_next_turn() -> None:
    lane = AdmissionLane(per_turn=2)
    log: list[object] = []
    stop = asyncio.Event()
    _mark_turns(log, asyncio.get_running_loop(), stop)
    await lane.enter()
    log.append("admitted")
    stop.set()
    assert log == [TURN, TURN, "admitted"]  # it asked, was released in the next turn and went on in the one after


async def test_a_burst_is_admitted_a_few_per_turn_in_arrival_order() -> None:
    lane = AdmissionLane(per_turn=3)
    loop = asyncio.get_running_loop()
    log: list[object] = []
    stop = asyncio.Event()

    async def request(number: int) -> None:
        await lane.enter()
        log.append(number)

    _mark_turns(log, loop, stop)
    await asyncio.gather(*(request(n) for n in range(20)))
    stop.set()
    assert [entry for entry in log if entry != TURN] == list(range(20))
    turns = _admitted_per_turn(log)
    assert max(len(admitted) for admitted in turns) == 3
    # Other work ran between the burst's parts: the burst took at least 20 / 3 turns.
    assert sum(1 for admitted in turns if admitted) >= 7


async def test_a_request_cancelled_while_waiting_holds_up_nobody() -> None:
    lane = AdmissionLane(per_turn=1)
    first, cancelled, third = (asyncio.create_task(lane.enter()) for _ in range(3))
    while not first.done():
        await asyncio.sleep(0)
    assert not cancelled.done() and not third.done()
    cancelled.cancel()
    await asyncio.sleep(0)  # the next turn releases the third, in the place of the cancelled one
    await asyncio.sleep(0)
    assert third.done() and cancelled.cancelled()


def test_a_lane_admits_at_least_one_request_per_turn() -> None:
    with pytest.raises(ValueError, match="at least one"):
        AdmissionLane(per_turn=0)


async def test_a_flood_of_forbidden_upgrades_is_spread_answered_and_audited_while_sessions_go_on(
    model: RepoModel,
) -> None:
    flood = 300
    # The lane alone: pacing the viewer's refusals (sitegen.terminal.pacing) would spread them out in time first.
    async with serving(model, limits=Limits(requests_per_turn=1, refusals_per_second=0)) as harness:
        session = await harness.connect(user="alice@acme.dev")
        statuses: list[int] = []
        log: list[object] = []
        stop = asyncio.Event()
        enter = harness.sidecar.lane.enter

        async def answered() -> None:  # a refusal is answered when it leaves the lane
            await enter()
            log.append("refused")

        harness.sidecar.lane.enter = answered  # type: ignore[method-assign]
        gate = asyncio.Semaphore(50)

        async def forbidden() -> None:
            async with gate:
                try:
                    socket = await harness.connect(user="vic@acme.dev")  # a viewer of the team
                except aiohttp.WSServerHandshakeError as exc:
                    statuses.append(exc.status)
                else:
                    await socket.close()
                    statuses.append(101)

        _mark_turns(log, asyncio.get_running_loop(), stop)
        attempts = [asyncio.create_task(forbidden()) for _ in range(flood)]
        while len(statuses) < 50:  # the flood is under way
            await asyncio.sleep(0.001)
        newcomer = await harness.connect(user="bob@acme.dev")  # an operator gets in during the flood
        answered_at_echo = []
        for line in range(3):
            await session.send_str(json.dumps({"type": "data", "data": f"echo line''{line}\n"}))
            await read_until(session, f"line{line}")
            answered_at_echo.append(len(statuses))
        await asyncio.gather(*attempts)
        stop.set()

        assert statuses == [403] * flood
        refused = [line for line in harness.audit("decision") if line["decision"] == "refused"]
        assert len(refused) == flood and {line["detail"] for line in refused} == {"team viewer"}
        metrics = await (await harness.client.get(f"{harness.base}/metrics")).text()
        assert f'portal_terminal_refused_total{{reason="forbidden"}} {flood}.0' in metrics
        assert max(len(turn) for turn in _admitted_per_turn(log)) == 1  # one refusal answered per turn of the loop
        assert answered_at_echo[0] < flood  # the session's echoes did not wait for the whole flood
        await newcomer.send_str(json.dumps({"type": "data", "data": "echo new''comer\n"}))
        await read_until(newcomer, "newcomer")
        await newcomer.close()
        await session.close()
