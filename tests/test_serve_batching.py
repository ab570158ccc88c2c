"""The micro-batcher on its own, with a fake scorer: pooling, limits, waits, failures."""

import asyncio
import threading

import numpy as np
import pytest

from serve.batching import MicroBatcher


class FakeScorer:
    """Scores a pair as its number (pairs are ("7", "…")), and records every call."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[tuple[str, str]]] = []
        self.threads: set[int] = set()
        self.fail = fail

    def __call__(self, pairs):
        self.calls.append(list(pairs))
        self.threads.add(threading.get_ident())
        if self.fail:
            raise RuntimeError("the model broke")
        return np.array([[float(segment)] for segment, _ in pairs], dtype=np.float32).reshape(len(pairs), 1)


def pairs(*numbers: int) -> list[tuple[str, str]]:
    return [(str(number), "context") for number in numbers]


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=10))


def test_concurrent_requests_share_one_call_and_get_their_own_rows():
    scorer = FakeScorer()
    observed = []

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=16, max_wait_ms=50, observe=lambda n, r: observed.append((n, r)))
        batcher.start()
        results = await asyncio.gather(
            batcher.score(pairs(1, 2)), batcher.score(pairs(3)), batcher.score(pairs(4, 5, 6))
        )
        await batcher.stop()
        return results

    first, second, third = run(scenario())
    assert first[:, 0].tolist() == [1, 2]
    assert second[:, 0].tolist() == [3]
    assert third[:, 0].tolist() == [4, 5, 6]
    assert len(scorer.calls) == 1
    assert observed == [(6, 3)]


def test_scoring_runs_off_the_event_loop_thread():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=4, max_wait_ms=0)
        batcher.start()
        await batcher.score(pairs(1))
        await batcher.stop()
        return threading.get_ident()

    loop_thread = run(scenario())
    assert scorer.threads and loop_thread not in scorer.threads


def test_a_pool_never_exceeds_max_batch_size_and_no_request_is_split():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=4, max_wait_ms=50)
        batcher.start()
        results = await asyncio.gather(
            batcher.score(pairs(1, 2, 3)),  # 3 pairs
            batcher.score(pairs(4, 5)),  # would make 5: waits for the next pool
            batcher.score(pairs(6, 7, 8, 9, 10, 11)),  # larger than a pool: scored alone
            batcher.score(pairs(12)),
        )
        await batcher.stop()
        return results

    results = run(scenario())
    assert [rows[:, 0].tolist() for rows in results] == [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11], [12]]
    assert scorer.calls == [pairs(1, 2, 3), pairs(4, 5), pairs(6, 7, 8, 9, 10, 11), pairs(12)]


def test_a_lone_request_is_scored_after_at_most_max_wait():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=64, max_wait_ms=30)
        batcher.start()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await batcher.score(pairs(1))
        elapsed = loop.time() - started
        await batcher.stop()
        return elapsed

    elapsed = run(scenario())
    assert 0.025 <= elapsed < 2


def test_a_failing_call_fails_its_requests_and_the_batcher_goes_on():
    scorer = FakeScorer(fail=True)

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=8, max_wait_ms=20)
        batcher.start()
        outcomes = await asyncio.gather(batcher.score(pairs(1)), batcher.score(pairs(2)), return_exceptions=True)
        scorer.fail = False
        after = await batcher.score(pairs(3))
        await batcher.stop()
        return outcomes, after

    outcomes, after = run(scenario())
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
    assert after[:, 0].tolist() == [3]


def test_requests_given_up_on_are_not_scored():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=8, max_wait_ms=0)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(batcher.score(pairs(1)), timeout=0.01)  # queued, worker not started
        batcher.start()
        rows = await batcher.score(pairs(2))
        await batcher.stop()
        return rows

    rows = run(scenario())
    assert rows[:, 0].tolist() == [2]
    assert scorer.calls == [pairs(2)]


def test_requests_queued_before_start_wait_and_stop_cancels_the_rest():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=8, max_wait_ms=0)
        waiting = asyncio.ensure_future(batcher.score(pairs(1)))
        await asyncio.sleep(0.02)
        assert not waiting.done() and scorer.calls == []
        await batcher.stop()
        with pytest.raises(asyncio.CancelledError):
            await waiting

    run(scenario())


def test_no_pairs_no_queue():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=8, max_wait_ms=0)
        return await batcher.score([])  # not started: would hang if it went through the queue

    assert run(scenario()).shape == (0, 1)


def test_max_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="max_batch_size"):
        MicroBatcher(FakeScorer(), max_batch_size=0, max_wait_ms=1)
