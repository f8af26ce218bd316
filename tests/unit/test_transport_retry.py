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

"""Transport endpoint rotation, health and 429/503 back-off."""

import datetime

import pytest
import requests

from lightos_cinder.api import exception
from lightos_cinder.api import failures
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


# --- rotation, stickiness and health ---------------------------------------

def test_connect_failure_moves_on_and_sticks(mock, clock):
    mock.get(url(A), exc=requests.exceptions.ConnectTimeout)
    mock.get(url(B), json={'n': 'b'})
    mock.get(url(C), json={'n': 'c'})
    tr = make_transport(clock)
    assert tr.request('GET', PATH) == {'n': 'b'}
    for _ in range(3):
        assert tr.request('GET', PATH) == {'n': 'b'}
    assert hosts(mock) == [A, B, B, B, B]
    assert tr.endpoint_health()['https://127.0.0.11:443'] == 'connect timeout'


def test_unhealthy_endpoint_skipped_until_backoff_expires(mock, clock):
    mock.get(url(A), exc=refused())
    mock.get(url(B), json={})
    mock.get(url(C), json={})
    tr = make_transport(clock, retry_interval=30.0)
    tr.request('GET', PATH)                     # A fails, B answers
    mock.get(url(B), exc=requests.exceptions.ConnectTimeout)
    clock.now += 10
    tr.request('GET', PATH)                     # B fails, A still skipped
    assert hosts(mock) == [A, B, B, C]
    clock.now += 25                             # A's back-off is over
    mock.get(url(C), exc=refused())
    mock.get(url(A), json={})
    tr.request('GET', PATH)                     # C fails, A retried
    assert hosts(mock)[4:] == [C, A]
    assert tr.endpoint_health()['https://127.0.0.11:443'] is None


def test_all_unhealthy_still_tried_oldest_failure_first(mock, clock):
    mock.get(url(C), text=fail_with(refused(), clock, 1.0))
    mock.get(url(A), text=fail_with(refused(), clock, 1.0))
    mock.get(url(B), text=fail_with(refused(), clock, 1.0))
    tr = make_transport(clock, deadline=2.5)
    with pytest.raises(exception.LightOSConnectionError) as info:
        tr.request('GET', PATH)
    assert hosts(mock) == [A, B, C]
    assert [ep for ep, _ in info.value.failures] == [
        'https://127.0.0.11:443', 'https://127.0.0.12:443',
        'https://127.0.0.13:443']
    text = str(info.value)
    for address in (A, B, C):
        assert address in text
    assert 'refused' in text
    # Every endpoint is now in back-off: the next call still tries them all,
    # the longest-failed first, and sticks to the one that answers.
    mock.get(url(C), json={'n': 'c'})
    assert tr.request('GET', PATH) == {'n': 'c'}
    assert hosts(mock)[3:] == [A, B, C]
    assert tr.request('GET', PATH) == {'n': 'c'}
    assert hosts(mock)[6:] == [C]


def test_skipped_endpoints_are_tried_after_healthy_ones(mock, clock):
    mock.get(url(A), exc=refused())
    mock.get(url(B), exc=refused())
    mock.get(url(C), json={})
    tr = make_transport(clock)
    tr.request('GET', PATH)
    mock.get(url(C), exc=refused())
    mock.get(url(A), json={'n': 'a'})
    assert tr.request('GET', PATH) == {'n': 'a'}
    assert hosts(mock) == [A, B, C, C, A]


def test_dead_endpoint_costs_one_connect_timeout(mock, clock):
    mock.get(url(A), text=fail_with(requests.exceptions.ConnectTimeout(),
                                    clock, 3.0))
    mock.get(url(B), json={})
    tr = make_transport(clock, addresses=(A, B))
    started = clock.now
    for _ in range(6):
        tr.request('GET', PATH)
    assert clock.now - started == 3.0
    assert hosts(mock).count(A) == 1


def test_deadline_stops_trying_endpoints(mock, clock):
    for address in (A, B, C):
        mock.get(url(address), text=fail_with(
            requests.exceptions.ConnectTimeout(), clock, 3.0))
    tr = make_transport(clock, deadline=5.0)
    with pytest.raises(exception.LightOSConnectionError) as info:
        tr.request('GET', PATH)
    assert hosts(mock) == [A, B]
    assert info.value.failures[-1] == ('https://127.0.0.13:443',
                                       'not tried: request deadline reached')


def test_attempt_timeouts_are_bounded_by_the_deadline(mock, clock):
    mock.get(url(A), text=fail_with(requests.exceptions.ConnectTimeout(),
                                    clock, 3.0))
    mock.get(url(B), json={})
    make_transport(clock, deadline=10.0, hedge_max=0).request('GET', PATH)
    assert mock.request_history[0].timeout == (3.0, 10.0)
    assert mock.request_history[1].timeout == (3.0, 7.0)


@pytest.mark.parametrize('exc', [
    requests.exceptions.ConnectTimeout(),
    refused(),
    requests.exceptions.SSLError('certificate verify failed'),
])
def test_post_replayed_after_connect_failure(mock, clock, exc):
    mock.post(url(A, '/api/v2/x'), exc=exc)
    mock.post(url(B, '/api/v2/x'), json={'ok': True})
    tr = make_transport(clock)
    assert tr.request('POST', '/api/v2/x', body={}) == {'ok': True}
    assert hosts(mock) == [A, B]


@pytest.mark.parametrize('exc,reason', [
    (requests.exceptions.ReadTimeout(), 'read timeout'),
    (connection_lost(), 'connection lost'),
])
def test_post_not_replayed_once_sent(mock, clock, exc, reason):
    mock.post(url(A, '/api/v2/x'), exc=exc)
    mock.post(url(B, '/api/v2/x'), json={})
    tr = make_transport(clock)
    with pytest.raises(exception.LightOSConnectionError) as info:
        tr.request('POST', '/api/v2/x', body={'name': 'v'})
    assert hosts(mock) == [A]
    assert reason in str(info.value)
    assert 'may have applied' in str(info.value)


@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
def test_idempotent_requests_replayed_after_read_timeout(mock, clock, method):
    mock.register_uri(method, url(A, '/api/v2/x'),
                      exc=requests.exceptions.ReadTimeout)
    mock.register_uri(method, url(B, '/api/v2/x'), json={'n': 'b'})
    assert make_transport(clock).request(method, '/api/v2/x') == {'n': 'b'}
    assert hosts(mock) == [A, B]


# --- 429 / 503 ------------------------------------------------------------

def responses(*items):
    return [dict(item) for item in items]


def test_retry_after_seconds_is_honoured(mock, clock):
    mock.get(url(A), responses(
        {'status_code': 503, 'headers': {'Retry-After': '7'}},
        {'json': {'n': 'a'}}))
    mock.get(url(B), json={'n': 'b'})
    tr = make_transport(clock, addresses=(A,))
    assert tr.request('GET', PATH) == {'n': 'a'}
    assert clock.sleeps == [7.0]


def test_backoff_doubles_with_cap(mock, clock):
    mock.get(url(A), [{'status_code': 429}] * 8 + [{'json': {}}])
    tr = make_transport(clock, addresses=(A,))
    assert tr.request('GET', PATH) == {}
    # Each pause about the time waited so far, at most 4 s.
    assert clock.sleeps == [0.25, 0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_a_503_burst_on_every_node_costs_rounds_not_answers(mock, clock):
    """A busy node hands the request to the next one at once.

    Only a round in which every node was busy pauses: four 503s from each
    of three nodes cost four short pauses, where a back-off after every
    answer slept 71.5 s (0.5, 1, 2, 4, then 8 s eight times).
    """
    for address in (A, B, C):
        mock.get(url(address), [{'status_code': 503}] * 4 + [{'json': {}}])
    tr = make_transport(clock)
    assert tr.request('GET', PATH) == {}
    assert clock.sleeps == [0.25, 0.25, 0.5, 1.0]


def test_backoff_gives_up_at_the_deadline(mock, clock):
    mock.get(url(A), status_code=503, json={'message': 'busy'})
    tr = make_transport(clock, addresses=(A,), deadline=10.0)
    with pytest.raises(exception.ServiceUnavailable) as info:
        tr.request('GET', PATH)
    assert info.value.server_message == 'busy'
    assert sum(clock.sleeps) < 10.0
    assert clock.sleeps == [0.25, 0.25, 0.5, 1.0, 2.0, 4.0]


def test_retry_after_beyond_deadline_raises_at_once(mock, clock):
    mock.get(url(A), status_code=429, headers={'Retry-After': '600'})
    tr = make_transport(clock, addresses=(A,), deadline=60.0)
    with pytest.raises(exception.ServiceUnavailable) as info:
        tr.request('GET', PATH)
    assert info.value.retry_after == 600.0
    assert clock.sleeps == []
    assert len(mock.request_history) == 1


def test_unavailable_node_moves_to_the_next_endpoint(mock, clock):
    mock.get(url(A), status_code=503)
    mock.get(url(B), json={'n': 'b'})
    tr = make_transport(clock)
    assert tr.request('GET', PATH) == {'n': 'b'}
    assert hosts(mock) == [A, B]
    # 503 is an answer, not a dead endpoint: A is not put in back-off.
    assert tr.endpoint_health()['https://127.0.0.11:443'] is None
    assert tr.request('GET', PATH) == {'n': 'b'}
    assert hosts(mock)[2:] == [B]


def test_post_is_retried_after_503(mock, clock):
    mock.post(url(A, '/api/v2/x'), [{'status_code': 503}, {'json': {}}])
    tr = make_transport(clock, addresses=(A,))
    assert tr.request('POST', '/api/v2/x', body={}) == {}
    assert len(mock.request_history) == 2


NOW = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize('value,expected', [
    (None, None),
    ('5', 5.0),
    (' 2.5 ', 2.5),
    ('-3', 0.0),
    ('Sun, 01 Mar 2026 12:00:30 GMT', 30.0),
    ('Sun, 01 Mar 2026 11:59:00 GMT', 0.0),
    ('soon', None),
    ('nan', None),
])
def test_parse_retry_after(value, expected):
    assert failures.parse_retry_after(value, now=NOW) == expected
