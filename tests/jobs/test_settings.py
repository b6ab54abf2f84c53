"""The lease and re-sending settings: read from the environment as numbers, and the sweep interval they make."""

from __future__ import annotations

import pytest

from odata_server.config import ServiceConfig
from odata_server.jobs.sweep import sweep_interval


@pytest.mark.parametrize(
    ("environment", "lease", "requeue_after"),
    [
        ({}, 30.0, 300.0),
        ({"ODATA_ASYNC_LEASE": "10", "ODATA_ASYNC_REQUEUE_AFTER": "120"}, 10.0, 120.0),
        ({"ODATA_ASYNC_LEASE": "0.5", "ODATA_ASYNC_REQUEUE_AFTER": " 2.5 "}, 0.5, 2.5),
    ],
)
def test_the_settings_come_from_the_environment(
    environment: dict[str, str], lease: float, requeue_after: float
) -> None:
    config = ServiceConfig.from_env(environment)
    assert (config.async_lease, config.async_requeue_after) == (lease, requeue_after)


@pytest.mark.parametrize("value", ["abc", "", "nan", "inf", "1e999"])
def test_a_setting_that_is_no_number_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match=f"ODATA_ASYNC_LEASE must be a number, not {value!r}"):
        ServiceConfig.from_env({"ODATA_ASYNC_LEASE": value})


@pytest.mark.parametrize("value", [0, -1.5, float("nan"), float("inf")])
def test_a_lease_must_be_positive_and_finite(value: float) -> None:
    with pytest.raises(ValueError, match="ServiceConfig.async_lease must be positive and finite"):
        ServiceConfig(async_lease=value)
    with pytest.raises(ValueError, match="ServiceConfig.async_requeue_after must be positive and finite"):
        ServiceConfig.from_env({}, async_requeue_after=value)


@pytest.mark.parametrize(
    ("settings", "interval"),
    [
        ({}, 15.0),  # half the default lease
        ({"async_lease": 600, "async_requeue_after": 3600}, 60.0),  # at most a minute
        ({"async_requeue_after": 8}, 2.0),
        ({"async_result_expiry": 4}, 1.0),
        ({"async_lease": 0.4}, 0.2),
    ],
)
def test_the_sweep_runs_often_enough_for_every_setting(settings: dict[str, float], interval: float) -> None:
    assert sweep_interval(ServiceConfig(**settings)) == interval
