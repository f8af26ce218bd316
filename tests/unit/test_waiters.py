# Copyright 2026 The lightos-cinder Authors.
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""waiters.wait_for with a fake clock: backoff, deadline, terminal states."""

import pytest

from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from tests.unit import fakes


def _probe(states, result='done'):
    """Report each state in turn as not ready, then return ``result``."""
    pending = list(states)
    calls = []

    def probe():
        calls.append(len(calls))
        if pending:
            raise exception.NotReady(pending.pop(0))
        return result
    probe.calls = calls
    return probe


def _wait(probe, clock, **kwargs):
    kwargs.setdefault('timeout', 10)
    kwargs.setdefault('what', 'volume volume-1 to become Available')
    return waiters.wait_for(probe, clock=clock, sleep=clock.sleep, **kwargs)


def test_returns_at_once_without_sleeping():
    clock = fakes.FakeClock()
    assert _wait(_probe([], result=42), clock) == 42
    assert clock.sleeps == []


def test_pause_grows_with_the_time_waited_up_to_the_cap():
    clock = fakes.FakeClock()
    probe = _probe(['Creating'] * 40)
    assert _wait(probe, clock, timeout=100, interval=0.25, growth=0.5,
                 max_interval=1.5) == 'done'
    # 0.25 s until half the time waited exceeds it, then half the time
    # waited (x1.5 per step), then the cap.
    assert clock.sleeps[:3] == [0.25, 0.25, 0.25]
    assert clock.sleeps[3:7] == pytest.approx(
        [0.375, 0.5625, 0.84375, 1.265625])
    assert clock.sleeps[7:] == [1.5] * 33
    assert len(probe.calls) == 41


@pytest.mark.parametrize('ready_after', [0.01, 0.2, 0.3, 0.8, 1.7, 4.0, 9.5])
def test_a_state_change_is_seen_soon_after_it_happens(ready_after):
    clock = fakes.FakeClock()
    start = clock.now

    def probe():
        if clock.now - start < ready_after:
            raise exception.NotReady('Creating')
        return 'done'

    assert waiters.wait_for(probe, timeout=60, what='x', clock=clock,
                            sleep=clock.sleep) == 'done'
    seen_after = clock.now - start
    # Defaults: pauses of 0.05 s, then 20 % of the time waited, at most 2 s.
    assert seen_after <= max(1.2 * ready_after, ready_after + 0.05) + 1e-9


def test_timeout_names_what_and_last_state():
    clock = fakes.FakeClock()
    probe = _probe(['Creating', 'Creating', 'Updating'] * 100)
    with pytest.raises(exception.WaitTimeout) as info:
        _wait(probe, clock, timeout=5, what='volume vol-x in project p1')
    err = info.value
    assert err.what == 'volume vol-x in project p1'
    assert err.last_state in ('Creating', 'Updating')
    assert 'vol-x' in str(err) and err.last_state in str(err)
    assert clock.now - 1000.0 == pytest.approx(5)


def test_last_pause_is_shortened_to_the_deadline_and_probed_again():
    clock = fakes.FakeClock()
    # Ready on the call made exactly at the deadline.
    probe = _probe(['Creating'] * 2)
    assert _wait(probe, clock, timeout=1.0, interval=0.7,
                 max_interval=0.8) == 'done'
    assert clock.sleeps == pytest.approx([0.7, 0.3])
    assert clock.now - 1000.0 == pytest.approx(1.0)
    assert len(probe.calls) == 3


def test_terminal_state_stops_at_once():
    clock = fakes.FakeClock()
    calls = []

    def probe():
        calls.append(1)
        if len(calls) < 3:
            raise exception.NotReady('Creating')
        raise exception.OperationFailed('volume volume-1', 'Failed')

    with pytest.raises(exception.OperationFailed) as info:
        _wait(probe, clock, timeout=100)
    assert info.value.state == 'Failed'
    assert len(calls) == 3
    assert clock.sleeps == [0.05, 0.05]


def test_other_errors_propagate_unchanged():
    clock = fakes.FakeClock()

    def probe():
        raise KeyError('boom')

    with pytest.raises(KeyError):
        _wait(probe, clock)
    assert clock.sleeps == []


def test_zero_timeout_probes_once():
    clock = fakes.FakeClock()
    probe = _probe(['Creating'])
    with pytest.raises(exception.WaitTimeout):
        _wait(probe, clock, timeout=0)
    assert len(probe.calls) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize('kwargs', [
    {'timeout': -1},
    {'interval': 0},
    {'interval': 2.0, 'max_interval': 1.0},
    {'growth': -0.1},
])
def test_rejects_bad_arguments(kwargs):
    clock = fakes.FakeClock()
    with pytest.raises(ValueError):
        _wait(_probe([]), clock, **kwargs)


def test_default_clock_really_waits_briefly():
    probe = _probe(['Creating'])
    assert waiters.wait_for(probe, timeout=5, what='x', interval=0.01,
                            max_interval=0.02) == 'done'


def test_a_retry_after_sets_the_next_pause():
    clock = fakes.FakeClock()
    asked = iter([exception.NotReady('503', retry_after=3.0)])

    def probe():
        for not_ready in asked:
            raise not_ready
        return 'answered'
    assert _wait(probe, clock, interval=0.25) == 'answered'
    assert clock.sleeps == [3.0]


def test_without_a_probe_at_the_deadline_no_pause_reaches_it():
    clock = fakes.FakeClock()
    with pytest.raises(exception.WaitTimeout):
        _wait(_probe(['busy'] * 40), clock, timeout=10, interval=0.25,
              growth=1.0, max_interval=4, probe_at_deadline=False)
    # 0.25, 0.25, 0.5, 1, 2, 4 (8 s); the next 4 s pause would reach 10 s.
    assert clock.sleeps == [0.25, 0.25, 0.5, 1.0, 2.0, 4.0]
