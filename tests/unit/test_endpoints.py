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

"""Endpoint rotation and health, on a fake clock."""

from lightos_cinder.api import endpoints

URLS = ['https://127.0.0.11:443', 'https://127.0.0.12:443',
        'https://127.0.0.13:443']


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _urls(eps):
    return [ep.base_url for ep in eps]


def test_rotation_starts_at_the_endpoint_that_answered_last():
    ring = endpoints.EndpointRing(URLS, 30, FakeClock())
    assert _urls(ring.ordered()) == URLS
    second = ring.ordered()[1]
    ring.mark_answered(second)
    assert _urls(ring.ordered()) == URLS[1:] + URLS[:1]
    assert ring.after(second).base_url == URLS[2]
    assert ring.after(ring.ordered()[1]).base_url == URLS[0]


def test_failed_endpoints_are_skipped_until_their_retry_time():
    clock = FakeClock()
    ring = endpoints.EndpointRing(URLS, 30, clock)
    first, second, _ = ring.ordered()
    ring.mark_failed(second, 'connect timeout')
    clock.now += 1
    ring.mark_failed(first, 'connection refused')
    # Skipped ones come last, the oldest failure first.
    assert _urls(ring.ordered()) == [URLS[2], URLS[1], URLS[0]]
    assert ring.health() == {URLS[0]: 'connection refused',
                             URLS[1]: 'connect timeout', URLS[2]: None}
    clock.now += 29
    assert _urls(ring.ordered()) == [URLS[1], URLS[2], URLS[0]]
    clock.now += 1
    assert _urls(ring.ordered()) == URLS
    ring.mark_answered(first)
    assert ring.health()[URLS[0]] is None
