"""The fault plan and the workload are a pure function of the seed, and the plan covers every fault."""

from __future__ import annotations

from datetime import date

from local_runtime.chaos import SMALL, TINY, build_workload, plan_faults
from local_runtime.chaos.schedule import DRAIN, STYLES, TARGETS


def test_the_same_seed_gives_the_same_plan_and_another_seed_another() -> None:
    assert plan_faults(7, 3) == plan_faults(7, 3)
    assert plan_faults(7, 3).phases != plan_faults(8, 3).phases


def test_every_target_meets_every_fault_style_right_after_the_calm_warm_up() -> None:
    for seed in range(20):
        plan = plan_faults(seed, 3)
        assert all(t.style == "calm" for t in plan.phases[0].targets.values())
        for target in TARGETS:
            styles = {plan.phases[i].targets[target].style for i in range(1, 1 + len(STYLES))}
            assert styles == set(STYLES), (seed, target)


def test_faults_of_each_style_are_switched_on() -> None:
    plan = plan_faults(3, 3)
    for phase in plan.phases:
        for target in phase.targets.values():
            fields = target.faults_fields()
            if target.style == "errors":
                assert fields["error_rate"] > 0 and fields["error_status"] >= 500
            if target.style == "throttle":
                assert fields["throttle_rate"] > 0 and fields["retry_after_seconds"] >= 1
            if target.style == "timeouts":
                assert fields["timeout_rate"] > 0
            if target.style == "drops":
                assert fields["drop_rate"] > 0
            if target.style == "calm":
                assert not any(
                    fields[k] for k in ("error_rate", "throttle_rate", "timeout_rate", "drop_rate")
                )


def test_crashes_spread_over_the_submission_and_the_last_one_hits_the_drain() -> None:
    plan = plan_faults(5, 4)
    assert len(plan.crash_points) == len(plan.downtimes) == 4
    during = plan.crash_points[:-1]
    assert list(during) == sorted(during) and all(0 < point < 1 for point in during)
    assert plan.crash_points[-1] == DRAIN


def test_the_workload_is_the_same_for_a_seed_with_unique_keys() -> None:
    day = date(2030, 1, 1)
    first, again = build_workload(4, SMALL, day), build_workload(4, SMALL, day)
    assert first == again
    assert build_workload(5, SMALL, day).submissions != first.submissions
    keys = [item.key for item in first.submissions]
    assert len(keys) == len(set(keys))
    assert first.expected == {"message": SMALL.total_messages, "shipment": SMALL.shipments,
                              "invoice": SMALL.invoices, "check": SMALL.checks}  # fmt: skip
    assert len(first.of("batch")) == SMALL.batches and all(
        b.recipients == SMALL.batch_size for b in first.of("batch")
    )


def test_every_invoice_gets_a_follow_up_that_ends_it() -> None:
    workload = build_workload(1, TINY, date(2030, 1, 1))
    assert {item.follow_up for item in workload.of("invoice")} <= {
        "pay",
        "refund_part",
        "refund_all",
        "cancel",
    }
    assert all(item.follow_up for item in workload.of("invoice"))
