"""At least once, in any order: duplicates and late deliveries never move a job backwards, and outages are retried.

Vendors redeliver on timeouts and do not promise order. ``deliver_all`` sends a
job's deliveries with duplicates and reordered (deterministically under a seed),
hypothesis explores many more orders against the store alone, and a store
outage shows the vendor's retry schedule getting a delivery through.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobwatch.store import Change, JobRecord, JobStore, StoreUnavailable

from pytest_jobhooks import JobState, SeededFactory, Sender, deliver, deliver_all, job_state, lifecycle, timeline
from pytest_jobhooks.strategies import deliveries_with_chaos

CHAOTIC = ("telmai", "tamr", "tensorlake", "gofetch")  # a Tensorlake workflow sends one delivery: no order to lose


def stored(store: JobStore, state: JobState) -> JobRecord:
    """The store's record of the job ``state`` belongs to (which must exist)."""
    __tracebackhide__ = True
    record = store.get(state.vendor, state.job_id)
    assert record is not None, f"no record of {state.vendor} job {state.job_id!r}"
    return record


def assert_ends_as_sent(store: JobStore, vendor: str, payloads: list[dict[str, Any]], how: str) -> None:
    """The job is stored in the vendor's last state, accepted once and last; ``how`` explains a failure."""
    __tracebackhide__ = True
    final = job_state(vendor, payloads[-1])
    record = stored(store, final)
    assert record.state == final, how
    assert record.history.count(final.status) == 1, (record.history, how)
    assert record.history[-1] == final.status, (record.history, how)


def assert_never_backwards(changes: list[Change]) -> None:
    """Each accepted state is at least as far along as the one before, and nothing follows a final one."""
    __tracebackhide__ = True
    order = {"queued": 0, "running": 1}
    accepted = [change.after.unified for change in changes if change.outcome in ("created", "advanced")]
    ranks = [order.get(unified, 2) for unified in accepted]
    assert ranks == sorted(ranks), accepted
    assert ranks.count(2) <= 1, accepted


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("vendor", CHAOTIC)
def test_duplicates_and_disorder_never_move_a_finished_job_back(
    vendor: str, seed: int, receiver: object, store: JobStore, webhook_secret: str
) -> None:
    payloads = lifecycle(vendor, seed=seed)

    batch = deliver_all(
        payloads, receiver, path=f"/webhooks/{vendor}", secret=webhook_secret, duplicates=0.5, reorder=True, seed=seed
    )

    assert batch.ok, batch.describe()
    assert batch.reordered
    assert_ends_as_sent(store, vendor, payloads, "sent in this order:\n" + timeline([payloads[i] for i in batch.order]))
    assert stored(store, job_state(vendor, payloads[0])).deliveries == len(batch.deliveries)


@pytest.mark.parametrize("vendor", CHAOTIC)
def test_the_same_with_the_seeded_sender(
    vendor: str,
    receiver: object,
    store: JobStore,
    webhook_secret: str,
    jobhooks_factory: SeededFactory,
    jobhooks_sender: Sender,
) -> None:
    payloads = jobhooks_factory.lifecycle(vendor, outcome="succeeded" if vendor == "gofetch" else "failed")

    # Seeded from the run's --jobhooks-seed, so a failure replays exactly. Under --jobhooks a reordered
    # batch is judged in the order the test gave it: deliberate chaos needs no opt-out.
    batch = jobhooks_sender.deliver_all(
        payloads, receiver, path=f"/webhooks/{vendor}", secret=webhook_secret, duplicates=1.0, reorder=True
    )

    assert batch.ok, batch.describe()
    assert len(batch.deliveries) == 2 * len(payloads)
    assert_ends_as_sent(store, vendor, payloads, batch.describe())


@pytest.mark.parametrize("vendor", CHAOTIC)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_the_store_ends_where_the_job_ends(vendor: str, data: st.DataObject) -> None:
    chaos = data.draw(deliveries_with_chaos(vendor, max_duplicates=4), label="chaos")
    store = JobStore()

    changes = [store.apply(job_state(vendor, delivery)) for delivery in chaos.deliveries]

    final = job_state(vendor, chaos.final)
    assert stored(store, final).state == final
    assert_never_backwards(changes)


def test_a_late_contradiction_does_not_reopen_a_finished_job() -> None:
    store = JobStore()
    job = {"tenant": "acme", "source": "src-1", "jobId": "job-1", "details": ""}
    finished = job_state("telmai", {**job, "status": "FINISHED"})
    store.apply(finished)

    late = store.apply(job_state("telmai", {**job, "status": "IN_PROGRESS"}))
    contradiction = store.apply(job_state("telmai", {**job, "status": "FAILED"}))
    again = store.apply(finished)

    assert [late.outcome, contradiction.outcome, again.outcome] == ["ignored", "ignored", "duplicate"]
    assert stored(store, finished).state == finished


def test_states_of_the_same_rank_are_ordered_by_the_vendors_clock() -> None:
    store = JobStore()
    start = datetime(2026, 4, 17, 9, 30, tzinfo=timezone.utc)
    running = JobState("tamr", "42", "RUNNING", "running", start)
    stopping = JobState("tamr", "42", "STOPPING", "running", start + timedelta(seconds=5))

    assert [store.apply(stopping).outcome, store.apply(running).outcome] == ["created", "ignored"]
    assert stored(store, running).status == "STOPPING"


class FlakyStore(JobStore):
    """A store whose database is down for the first ``outage`` writes."""

    def __init__(self, outage: int) -> None:
        super().__init__()
        self.outage = outage

    def apply(self, state: JobState) -> Change:
        if self.outage > 0:
            self.outage -= 1
            raise StoreUnavailable("database restarting")
        return super().apply(state)


def test_a_store_outage_is_answered_503_and_svix_retries_get_through(
    create_app: Callable[..., Any], webhook_secret: str, jobhooks_factory: SeededFactory
) -> None:
    store = FlakyStore(outage=2)
    app = create_app(secret=webhook_secret, store=store)
    payload = jobhooks_factory.build("tensorlake")

    report = deliver(payload, app, path="/webhooks/tensorlake", secret=webhook_secret)  # 5 minutes pass, virtually

    assert [attempt.status for attempt in report.attempts] == [503, 503, 200]
    assert [attempt.offset.total_seconds() for attempt in report.attempts] == [0, 5, 305]
    assert len({attempt.request.headers["svix-id"] for attempt in report.attempts}) == 1  # one message, retried
    assert stored(store, job_state("tensorlake", payload)).status == "successful"
