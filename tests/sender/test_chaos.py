"""At-least-once chaos: duplicates and reordering, deterministic under a seed, reported exactly as sent."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from pytest_jobhooks.errors import ArgumentError
from pytest_jobhooks.factories import lifecycle
from pytest_jobhooks.sender import BatchReport, DeliveryError, Sender, deliver_all
from pytest_jobhooks.sender._chaos import plan
from pytest_jobhooks.server import CaptureServer

PAYLOADS = lifecycle("telmai", seed=3, batch_wait_rounds=2)  # several deliveries of one job


def batch_fingerprint(batch: BatchReport) -> list[tuple[int, int, bytes, str]]:
    return [
        (report.index, report.copy, attempt.request.body, attempt.request.url)
        for report in batch.deliveries
        for attempt in report.attempts
    ]


def test_no_chaos_sends_each_payload_once_in_order(jobhooks_server: CaptureServer) -> None:
    batch = deliver_all(PAYLOADS, jobhooks_server, seed=1)
    assert batch.order == list(range(len(PAYLOADS)))
    assert batch.duplicated == []
    assert not batch.reordered
    assert [d.payload for d in jobhooks_server.wait_for(len(PAYLOADS))] == PAYLOADS


def test_the_report_says_exactly_what_arrived_in_which_order(jobhooks_server: CaptureServer) -> None:
    batch = deliver_all(PAYLOADS, jobhooks_server, duplicates=0.5, reorder=True, seed=42)
    deliveries = jobhooks_server.wait_for(len(batch.deliveries))
    assert [d.payload for d in deliveries] == [PAYLOADS[index] for index in batch.order]
    assert [d.body for d in deliveries] == [a.request.body for a in batch.attempts]
    assert batch.reordered
    assert sorted(set(batch.order)) == list(range(len(PAYLOADS)))  # nothing is lost


def test_same_seed_same_chaos(jobhooks_server: CaptureServer) -> None:
    first = deliver_all(PAYLOADS, jobhooks_server, duplicates=0.4, reorder=True, seed=2024)
    second = deliver_all(PAYLOADS, jobhooks_server, duplicates=0.4, reorder=True, seed=2024)
    assert batch_fingerprint(first) == batch_fingerprint(second)
    assert (first.order, first.duplicated) == (second.order, second.duplicated)


def test_other_seeds_other_chaos(jobhooks_server: CaptureServer) -> None:
    orders = {tuple(deliver_all(PAYLOADS, jobhooks_server, reorder=True, seed=seed).order) for seed in range(6)}
    assert len(orders) > 1


def test_seed_none_draws_one_that_replays(jobhooks_server: CaptureServer) -> None:
    drawn = deliver_all(PAYLOADS, jobhooks_server, duplicates=0.5, reorder=True)
    replayed = deliver_all(PAYLOADS, jobhooks_server, duplicates=0.5, reorder=True, seed=drawn.seed)
    assert batch_fingerprint(drawn) == batch_fingerprint(replayed)


def test_signed_duplicates_share_their_message_id(jobhooks_server: CaptureServer) -> None:
    payloads = lifecycle("tensorlake", seed=5)
    batch = deliver_all(payloads, jobhooks_server, duplicates=1.0, seed=9)
    assert batch.order == [0, 0, 1, 1]  # each right after itself without reordering
    deliveries = jobhooks_server.wait_for(4)
    ids = [d.headers["svix-id"] for d in deliveries]
    assert ids[0] == ids[1] != ids[2] == ids[3]
    assert [r.copy for r in batch.deliveries] == [0, 1, 0, 1]
    assert [r.msg_id for r in batch.deliveries] == ids
    assert all(d.signature == "valid" for d in deliveries)
    assert batch.duplicated == [0, 1]


def test_message_ids_depend_on_the_seed_not_on_the_chaos(jobhooks_server: CaptureServer) -> None:
    payloads = lifecycle("tensorlake", seed=5)
    calm = deliver_all(payloads, jobhooks_server, seed=9)
    chaotic = deliver_all(payloads, jobhooks_server, duplicates=1.0, reorder=True, seed=9)
    other = deliver_all(payloads, jobhooks_server, seed=10)
    ids = {r.index: r.msg_id for r in calm.deliveries}
    assert {r.index: r.msg_id for r in chaotic.deliveries} == ids
    assert {r.index: r.msg_id for r in other.deliveries}.keys() == ids.keys()
    assert set({r.index: r.msg_id for r in other.deliveries}.values()).isdisjoint(ids.values())


def test_copies_are_numbered_in_sending_order() -> None:
    for seed in range(20):
        sends = plan(4, duplicates=0.7, reorder=True, rng=random.Random(seed))
        seen: Counter[int] = Counter()
        for index, copy in sends:
            assert copy == seen[index]
            seen[index] += 1


def test_duplicate_probability_is_honoured() -> None:
    sends = plan(2000, duplicates=0.25, reorder=False, rng=random.Random(7))
    extra = len(sends) - 2000
    assert 400 < extra < 600  # 500 expected; the bounds are over 5 standard deviations wide


@pytest.mark.parametrize("distance", [1, 2, 3])
def test_bounded_reorder_moves_nothing_farther_than_asked(distance: int) -> None:
    for seed in range(30):
        sends = plan(12, duplicates=0.0, reorder=distance, rng=random.Random(seed))
        order = [index for index, _ in sends]
        assert order != list(range(12))
        assert max(abs(position - index) for position, index in enumerate(order)) <= distance


def test_reorder_changes_the_order_whenever_it_can() -> None:
    for seed in range(50):
        assert [i for i, _ in plan(2, duplicates=0.0, reorder=True, rng=random.Random(seed))] == [1, 0]
    assert plan(1, duplicates=0.0, reorder=True, rng=random.Random(0)) == [(0, 0)]
    assert plan(0, duplicates=0.0, reorder=True, rng=random.Random(0)) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"duplicates": 1.5}, "duplicates= is the probability (0 to 1)"),
        ({"duplicates": -0.1}, "duplicates= is the probability"),
        ({"duplicates": True}, "duplicates= is the probability"),
        ({"reorder": 0}, "reorder= must be True, False or the farthest"),
        ({"reorder": "yes"}, "reorder= must be True, False"),
        ({"seed": -1}, "seed must be an int >= 0, not -1"),
    ],
)
def test_bad_chaos_settings_are_refused(
    jobhooks_server: CaptureServer, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ArgumentError) as info:
        deliver_all(PAYLOADS, jobhooks_server, **options)  # type: ignore[arg-type]
    assert message in str(info.value)
    assert jobhooks_server.deliveries == []


@pytest.mark.parametrize("payloads", [{"jobId": "j"}, "[]", b"x", 3])
def test_deliver_all_wants_a_list(jobhooks_server: CaptureServer, payloads: object) -> None:
    with pytest.raises(DeliveryError, match="deliver_all\\(\\) takes a list of payloads"):
        deliver_all(payloads, jobhooks_server)  # type: ignore[arg-type]


def test_batch_report_reads_well(jobhooks_server: CaptureServer) -> None:
    batch = deliver_all(PAYLOADS[:2], jobhooks_server.url_for("/t"), duplicates=1.0, seed=3)
    lines = batch.describe().splitlines()
    assert (
        lines[0] == "deliver_all(seed=3, duplicates=1.0, reorder=False): 2 payload(s), 4 send(s) in order [0, 0, 1, 1]"
        "; plan: 0 0' 1 1'"
    )
    assert (
        lines[3]
        == f"telmai payload #0, duplicate -> {jobhooks_server.url}/t: delivered after 1 of 4 attempt(s) (inferred: immediately, then 10s, 1m00s, 5m00s)"
    )
    assert batch.ok
    assert len(batch.attempts) == 4


def test_sender_draws_a_seed_per_call_and_replays(jobhooks_server: CaptureServer) -> None:
    payloads = lifecycle("tensorlake", seed=1)
    one, two = Sender(seed=77), Sender(seed=77)
    runs = [
        [sender.deliver_all(payloads, jobhooks_server, duplicates=0.5, reorder=True) for _ in range(3)]
        for sender in (one, two)
    ]
    assert [batch_fingerprint(b) for b in runs[0]] == [batch_fingerprint(b) for b in runs[1]]
    assert len({b.seed for b in runs[0]}) == 3
    single = [sender.deliver(payloads[0], jobhooks_server).msg_id for sender in (one, two)]
    assert single[0] == single[1]
    assert one.sent == [*runs[0][0].deliveries, *runs[0][1].deliveries, *runs[0][2].deliveries, one.sent[-1]]
    assert one.batches == runs[0]
    assert len(one.attempts) == len(jobhooks_server.deliveries) // 2
    assert one.describe().startswith(f"jobhooks_sender: seed=77, {len(one.sent)} delivery(ies) sent\n")


def test_sender_explicit_seed_wins(jobhooks_server: CaptureServer) -> None:
    sender = Sender(seed=1)
    batch = sender.deliver_all(PAYLOADS, jobhooks_server, reorder=True, seed=5)
    assert batch.seed == 5
    assert batch.order == deliver_all(PAYLOADS, jobhooks_server, reorder=True, seed=5).order
    with pytest.raises(ArgumentError, match="seed must be an int >= 0, not -3"):
        Sender(seed=-3)
