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

"""Hung endpoints, settled creates, cluster-wide blips and call budgets."""

import pytest
import requests

from lightos_cinder.api import budget
from lightos_cinder.api import client
from lightos_cinder.api import endpoints
from lightos_cinder.api import exception
from lightos_cinder.api import transport
from lightos_cinder.api import waiters
from tests.unit.transport_helpers import A
from tests.unit.transport_helpers import B
from tests.unit.transport_helpers import C
from tests.unit.transport_helpers import connection_lost
from tests.unit.transport_helpers import fail_with
from tests.unit.transport_helpers import hosts
from tests.unit.transport_helpers import make_transport
from tests.unit.transport_helpers import PATH
from tests.unit.transport_helpers import refused
from tests.unit.transport_helpers import url

VOLUMES = '/api/v2/projects/default/volumes'
VOLUME = {'UUID': '6c7b1a2e-32c4-4a0f-9d57-1c6f4b7f7e01', 'name': 'volume-1',
          'projectName': 'default', 'size': '4096', 'state': 'Creating',
          'replicaCount': 3, 'compression': 'false',
          'acl': {'values': ['ALLOW_NONE']},
          'IPAcl': {'values': ['ALLOW_NONE']}, 'ETag': 'e1'}


def hung(clock):
    """A callback for a service that never answers: its read times out."""
    def callback(request, context):
        clock.now += request.timeout[1]
        raise requests.exceptions.ReadTimeout('read timed out')
    return callback


def answering(clock, seconds, body=None, status=200):
    """A callback answering after ``seconds`` of the fake clock."""
    def callback(request, context):
        clock.now += seconds
        context.status_code = status
        return body if body is not None else {}
    return callback


def create(lightos):
    return lightos.create_volume('default', 'volume-1', 4096,
                                 replica_count=3, compression=False)


# --- hedging ----------------------------------------------------------------

def test_hung_endpoint_costs_the_hedge_delay_then_nothing(mock, clock):
    mock.get(url(A), text=hung(clock))
    mock.get(url(B), json={'n': 'b'})
    tr = make_transport(clock)
    began = clock.now
    assert tr.request('GET', PATH) == {'n': 'b'}
    assert clock.now - began == transport.HEDGE_MIN
    assert mock.request_history[0].timeout[1] == transport.HEDGE_MIN
    assert tr.endpoint_health()['https://127.0.0.11:443'] == (
        'no answer within 0.50 s')
    began = clock.now
    for _ in range(3):
        tr.request('GET', PATH)
    assert clock.now == began
    assert hosts(mock) == [A, B, B, B, B]


def test_last_endpoint_left_gets_the_full_read_timeout(mock, clock):
    mock.get(url(A), text=hung(clock))
    mock.get(url(B), text=hung(clock))
    mock.get(url(C), json={})
    make_transport(clock).request('GET', PATH)
    assert [r.timeout[1] for r in mock.request_history] == [
        transport.HEDGE_MIN, transport.HEDGE_MIN, 30.0]


def test_single_endpoint_is_never_hedged(mock, clock):
    mock.get(url(A), json={})
    make_transport(clock, addresses=(A,)).request('GET', PATH)
    assert mock.last_request.timeout == (3.0, 30.0)


def test_hedge_delay_follows_answer_times(mock, clock):
    mock.get(url(A), json=answering(clock, 2.0))
    tr = make_transport(clock)
    for _ in range(20):
        tr.request('GET', PATH)
    delay = mock.last_request.timeout[1]
    assert 2.0 < delay <= transport.HEDGE_MAX
    assert hosts(mock) == [A] * 20      # a slow answer is still an answer


def test_hedge_delay_floor_cap_and_off():
    delay = endpoints.HedgeDelay(0.5, 5.0)
    assert delay.seconds() == 0.5                   # nothing seen yet
    delay.observe(0.001)
    assert delay.seconds() == 0.5                   # floor
    for _ in range(10):
        delay.observe(60.0)
    assert delay.seconds() == 5.0                   # cap
    assert not endpoints.HedgeDelay(0.5, 0).enabled


def test_hedging_off_waits_the_read_timeout(mock, clock):
    mock.get(url(A), text=hung(clock))
    mock.get(url(B), json={})
    make_transport(clock, hedge_max=0).request('GET', PATH)
    assert mock.request_history[0].timeout[1] == 30.0


def busy(clock, tr, first_body=None):
    """A service busy with other requests: the first one of ours is queued.

    While it waits past the hedge delay, the same endpoint answers another
    caller's request (the nested call), then our read times out.
    """
    calls = []

    def callback(request, context):
        calls.append(request.method)
        if len(calls) == 1:
            clock.now += 0.1
            tr.request('GET', '/api/v2/other')
            clock.now += request.timeout[1]
            raise requests.exceptions.ReadTimeout('read timed out')
        return first_body if first_body is not None else {}
    return callback


def test_busy_endpoint_is_awaited_not_failed_over(mock, clock):
    tr = make_transport(clock)
    mock.get(url(A), json=busy(clock, tr))
    mock.get(url(A, '/api/v2/other'), json={})
    mock.get(url(B), json={'n': 'b'})
    assert tr.request('GET', PATH) == {}
    assert hosts(mock) == [A, A, A]
    # The second attempt waits the whole read timeout on the same node.
    assert [r.timeout[1] for r in mock.request_history if
            r.path == PATH.lower()] == [transport.HEDGE_MIN, 30.0]
    assert not any(tr.endpoint_health().values())


def test_busy_endpoint_settles_a_create_there(mock, clock):
    tr = make_transport(clock)
    mock.post(url(A, VOLUMES), status_code=201, json=busy(clock, tr, VOLUME))
    mock.get(url(A, '/api/v2/other'), json={})
    mock.get(url(A, VOLUMES + '/'), status_code=404, json={})
    created = create(client.LightOSClient(tr))
    assert created.name == 'volume-1'
    assert [(r.method, r.hostname) for r in mock.request_history] == [
        ('POST', A), ('GET', A), ('GET', A), ('POST', A)]
    assert not any(tr.endpoint_health().values())


# --- creates settled by name -------------------------------------------------

@pytest.mark.parametrize('first', ['hung', 'lost'])
def test_unanswered_create_is_looked_up_then_sent_elsewhere(mock, clock,
                                                            first):
    mock.post(url(A, VOLUMES), text=(
        hung(clock) if first == 'hung' else fail_with(connection_lost())))
    mock.get(url(B, VOLUMES + '/'), status_code=404, json={})
    mock.post(url(B, VOLUMES), status_code=201, json=VOLUME)
    created = create(client.LightOSClient(make_transport(clock)))
    assert created.name == 'volume-1'
    assert [(r.method, r.hostname) for r in mock.request_history] == [
        ('POST', A), ('GET', B), ('POST', B)]
    assert mock.request_history[1].qs == {'name': ['volume-1']}


def test_unanswered_create_found_by_name_is_a_conflict(mock, clock):
    mock.post(url(A, VOLUMES), text=hung(clock))
    mock.get(url(B, VOLUMES + '/'), json=VOLUME)
    mock.post(url(B, VOLUMES), status_code=201, json=VOLUME)
    with pytest.raises(exception.Conflict) as info:
        create(client.LightOSClient(make_transport(clock)))
    assert 'earlier attempt' in str(info.value)
    assert [r.method for r in mock.request_history] == ['POST', 'GET']


def test_create_not_settled_when_the_lookup_fails(mock, clock):
    mock.post(url(A, VOLUMES), text=hung(clock))
    mock.get(url(B, VOLUMES + '/'), status_code=403, json={})
    mock.get(url(C, VOLUMES + '/'), status_code=403, json={})
    with pytest.raises(exception.LightOSConnectionError) as info:
        create(client.LightOSClient(make_transport(clock)))
    assert 'cannot tell whether' in str(info.value)
    assert [r.method for r in mock.request_history] == ['POST', 'GET']


def test_post_without_lookup_is_still_not_sent_twice(mock, clock):
    mock.post(url(A, '/api/v2/x'), text=hung(clock))
    mock.post(url(B, '/api/v2/x'), json={})
    with pytest.raises(exception.LightOSConnectionError):
        make_transport(clock).request('POST', '/api/v2/x', body={})
    assert hosts(mock) == [A]
    # Without a way to settle it, it also waits the full read timeout.
    assert mock.last_request.timeout[1] == 30.0


# --- a cluster-wide blip -----------------------------------------------------

def refusing_for(clock, seconds, body=None):
    """Refuse connections until ``seconds`` from now, then answer."""
    until = clock.now + seconds

    def callback(request, context):
        if clock.now < until:
            raise refused()
        return body if body is not None else {}
    return callback


@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
def test_every_endpoint_refusing_for_a_while_is_ridden_out(mock, clock,
                                                           method):
    for address in (A, B, C):
        mock.register_uri(method, url(address),
                          json=refusing_for(clock, 3.0))
    tr = make_transport(clock)
    assert tr.request(method, PATH) == {}
    assert clock.sleeps == [0.25, 0.25, 0.5, 1.0, 2.0]
    assert len(mock.request_history) == 16


def test_create_rides_out_resets_settling_by_name(mock, clock):
    state = {'resets': 3}

    def post(request, context):
        if state['resets']:
            state['resets'] -= 1
            raise connection_lost()
        context.status_code = 201
        return VOLUME
    for address in (A, B, C):
        mock.post(url(address, VOLUMES), json=post)
        mock.get(url(address, VOLUMES + '/'), status_code=404, json={})
    created = create(client.LightOSClient(make_transport(clock)))
    assert created.name == 'volume-1'
    assert [r.method for r in mock.request_history].count('POST') == 4
    assert clock.sleeps == [0.25]


def test_blip_longer_than_the_deadline_raises_naming_the_rounds(mock, clock):
    for address in (A, B, C):
        mock.get(url(address), exc=refused())
    with pytest.raises(exception.LightOSConnectionError) as info:
        make_transport(clock, deadline=10.0).request('GET', PATH)
    assert sum(clock.sleeps) < 10.0
    assert 'tried %d times' % (len(clock.sleeps) + 1) in str(info.value)
    assert 'refused' in str(info.value)


# --- an operation's budget ---------------------------------------------------

def test_budget_bounds_back_off_under_persistent_503(mock, clock):
    for address in (A, B, C):
        mock.get(url(address), status_code=503, json={})
    tr = make_transport(clock)
    began = clock.now
    with budget.bounded(10, 'terminate_connection', clock=clock):
        with pytest.raises(exception.ServiceUnavailable):
            tr.request('GET', PATH)
    assert clock.now - began < 10
    # Without one, the request deadline (120 s) is the only bound.
    began = clock.now
    with pytest.raises(exception.ServiceUnavailable):
        tr.request('GET', PATH)
    assert 10 < clock.now - began < 120


def test_budget_bounds_blip_retries_and_names_itself(mock, clock):
    for address in (A, B, C):
        mock.get(url(address), exc=refused())
    with budget.bounded(2, 'terminate_connection', clock=clock):
        with pytest.raises(exception.LightOSConnectionError) as info:
            make_transport(clock).request('GET', PATH)
    assert sum(clock.sleeps) < 2
    assert 'bound of terminate_connection' in str(info.value)


def test_nested_budget_keeps_the_earlier_deadline(clock):
    with budget.bounded(5, 'outer', clock=clock) as outer:
        with budget.bounded(50, 'inner', clock=clock) as inner:
            assert inner is outer
        with budget.bounded(1, 'short', clock=clock) as short:
            assert short.deadline == clock.now + 1
        assert budget.current() is outer
    assert budget.current() is None


def test_budget_ends_a_wait(clock):
    def never():
        raise exception.NotReady('Creating')
    with budget.bounded(3, 'initialize_connection', clock=clock):
        with pytest.raises(exception.WaitTimeout) as info:
            waiters.wait_for(never, timeout=300, what='x', clock=clock,
                             sleep=clock.sleep)
    assert info.value.timeout == 3
    assert sum(clock.sleeps) == pytest.approx(3)


def test_rpc_call_budget_defaults_to_three_quarters_of_the_rpc_timeout():
    assert budget.rpc_call_seconds(0, 60) == 45
    assert budget.rpc_call_seconds(20, 60) == 20


def test_untrusted_certificate_is_not_retried_round_after_round(
        mock, clock):
    untrusted = requests.exceptions.SSLError(
        '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')
    for address in (A, B, C):
        mock.get(url(address), exc=untrusted)
    with pytest.raises(exception.LightOSConnectionError) as info:
        make_transport(clock).request('GET', PATH)
    assert hosts(mock) == [A, B, C]
    assert clock.sleeps == []
    assert 'driver_ssl_cert_path' in str(info.value)
