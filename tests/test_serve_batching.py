"""The micro-batcher on its own, with a fake scorer: pooling, limits, waits, failures."""

import asyncio
import threading

import numpy as np
import pytest

from serve.batching import MicroBatcher


class FakeScorer:
    """Scores pages whose windows are numbers: each page gets one row per window, holding its number; records
    every call (the pages it was given)."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[list[int]]] = []
        self.threads: set[int] = set()
        self.fail = fail

    def __call__(self, pages):
        self.calls.append(list(pages))
        self.threads.add(threading.get_ident())
        if self.fail:
            raise RuntimeError("the model broke")
        return [np.array(page, dtype=np.float32).reshape(len(page), 1) for page in pages]


def page(*windows: int) -> list[list[int]]:
    """A request of one page with these windows."""
    return [list(windows)]


def rows(answer: list[np.ndarray]) -> list[float]:
    """The one page of an answer, as a list."""
    (scores,) = answer
    return scores[:, 0].tolist()


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=10))


def test_concurrent_requests_share_one_call_and_get_their_own_rows():
    scorer = FakeScorer()
    observed = []

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=16, max_wait_ms=50, observe=lambda n, r: observed.append((n, r)))
        batcher.start()
        results = await asyncio.gather(batcher.score(page(1, 2)), batcher.score(page(3)), batcher.score(page(4, 5, 6)))
        await batcher.stop()
        return results

    first, second, third = run(scenario())
    assert rows(first) == [1, 2] and rows(second) == [3] and rows(third) == [4, 5, 6]
    assert len(scorer.calls) == 1
    assert observed == [(6, 3)]


def test_a_request_of_several_pages_gets_one_answer_per_page():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=16, max_wait_ms=20)
        batcher.start()
        answers = await asyncio.gather(batcher.score([[1, 2], [3]]), batcher.score(page(4)))
        await batcher.stop()
        return answers

    several, single = run(scenario())
    assert [scores[:, 0].tolist() for scores in several] == [[1, 2], [3]]
    assert rows(single) == [4]
    assert scorer.calls == [[[1, 2], [3], [4]]]


def test_scoring_runs_off_the_event_loop_thread():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=4, max_wait_ms=0)
        batcher.start()
        await batcher.score(page(1))
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
            batcher.score(page(1, 2, 3)),  # 3 windows
            batcher.score(page(4, 5)),  # would make 5: waits for the next pool
            batcher.score(page(6, 7, 8, 9, 10, 11)),  # larger than a pool: scored alone
            batcher.score(page(12)),
        )
        await batcher.stop()
        return results

    results = run(scenario())
    assert [rows(answer) for answer in results] == [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11], [12]]
    assert scorer.calls == [page(1, 2, 3), page(4, 5), page(6, 7, 8, 9, 10, 11), page(12)]


def test_a_lone_request_is_scored_after_at_most_max_wait():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=64, max_wait_ms=30)
        batcher.start()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await batcher.score(page(1))
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
        outcomes = await asyncio.gather(batcher.score(page(1)), batcher.score(page(2)), return_exceptions=True)
        scorer.fail = False
        after = await batcher.score(page(3))
        await batcher.stop()
        return outcomes, after

    outcomes, after = run(scenario())
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
    assert rows(after) == [3]


def test_requests_given_up_on_are_not_scored():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=8, max_wait_ms=0)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(batcher.score(page(1)), timeout=0.01)  # queued, worker not started
        batcher.start()
        answer = await batcher.score(page(2))
        await batcher.stop()
        return answer

    assert rows(run(scenario())) == [2]
    assert scorer.calls == [page(2)]


def test_requests_queued_before_start_wait_and_stop_cancels_the_rest():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=8, max_wait_ms=0)
        waiting = asyncio.ensure_future(batcher.score(page(1)))
        await asyncio.sleep(0.02)
        assert not waiting.done() and scorer.calls == []
        await batcher.stop()
        with pytest.raises(asyncio.CancelledError):
            await waiting

    run(scenario())


def test_no_windows_no_queue():
    scorer = FakeScorer()

    async def scenario():
        batcher = MicroBatcher(scorer, max_batch_size=8, max_wait_ms=0)
        return await batcher.score([[]])  # not started: would hang if it went through the queue

    assert run(scenario())[0].shape == (0, 1)


def test_max_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="max_batch_size"):
        MicroBatcher(FakeScorer(), max_batch_size=0, max_wait_ms=1)
