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

"""Rotation and health of the API endpoints of one LightOS cluster."""

import ipaddress
import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def format_base_url(address, port, scheme='https'):
    """Return ``scheme://host:port`` with IPv6 literals in brackets."""
    host = address.strip()
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
    try:
        if ipaddress.ip_address(host.split('%', 1)[0]).version == 6:
            # A zone id's '%' must itself be escaped inside a URL (RFC 6874).
            host = '[%s]' % host.replace('%', '%25', 1)
    except ValueError:
        pass  # a host name: used as it is
    return '%s://%s:%d' % (scheme, host, int(port))


def api_hosts(conf):
    """lightos_api_hostnames when set (TLS by name), else the addresses."""
    return list(getattr(conf, 'lightos_api_hostnames', None) or
                conf.lightos_api_address or ())


class Endpoint(object):
    """One API service address and what is known about its health."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.failed_at = None
        self.retry_at = 0.0
        self.reason = None
        # When it last answered a request (the ring's clock).
        self.answered_at = None

    def __repr__(self):
        return self.base_url

    def healthy(self, now):
        return self.retry_at <= now


class EndpointRing(object):
    """The endpoints in rotation, starting with the one that answered last.

    An endpoint that could not be reached is skipped for ``retry_interval``
    seconds; skipped endpoints are still tried, oldest failure first, when
    no other is left. Safe to share between threads.
    """

    def __init__(self, base_urls, retry_interval, clock):
        self._endpoints = [Endpoint(url) for url in base_urls]
        self._retry_interval = float(retry_interval)
        self._clock = clock
        self._lock = threading.Lock()
        self._current = 0

    def __len__(self):
        return len(self._endpoints)

    @property
    def base_urls(self):
        """Base URLs of the endpoints, in configuration order."""
        return [ep.base_url for ep in self._endpoints]

    def health(self):
        """``{base_url: None or reason}`` of the endpoints now skipped."""
        now = self._clock()
        with self._lock:
            return {ep.base_url: (None if ep.healthy(now) else ep.reason)
                    for ep in self._endpoints}

    def ordered(self, first=None):
        """Healthy endpoints from ``first`` on, then the skipped ones.

        ``first`` defaults to the endpoint that answered last.
        """
        now = self._clock()
        with self._lock:
            start = (self._current if first is None
                     else self._endpoints.index(first))
            count = len(self._endpoints)
            ring = [self._endpoints[(start + i) % count]
                    for i in range(count)]
            healthy = [ep for ep in ring if ep.healthy(now)]
            skipped = sorted((ep for ep in ring if not ep.healthy(now)),
                             key=lambda ep: ep.failed_at)
        return healthy + skipped

    def after(self, endpoint):
        """The endpoint that follows ``endpoint`` in configuration order."""
        index = self._endpoints.index(endpoint)
        return self._endpoints[(index + 1) % len(self._endpoints)]

    def mark_failed(self, endpoint, reason):
        now = self._clock()
        with self._lock:
            was_healthy = endpoint.failed_at is None
            endpoint.failed_at = now
            endpoint.retry_at = now + self._retry_interval
            endpoint.reason = reason
        if was_healthy:
            LOG.warning('LightOS API endpoint %(ep)s failed (%(why)s); '
                        'skipping it for %(secs)d s.',
                        {'ep': endpoint.base_url, 'why': reason,
                         'secs': self._retry_interval})

    def answered_since(self, endpoint, moment):
        """Whether ``endpoint`` answered some request after ``moment``.

        A request that got no answer within the hedge delay from an endpoint
        that answered others meanwhile was queued behind them: the service
        is busy, not hung.
        """
        with self._lock:
            return (endpoint.answered_at is not None and
                    endpoint.answered_at > moment)

    def mark_answered(self, endpoint):
        now = self._clock()
        with self._lock:
            endpoint.answered_at = now
            recovered = endpoint.failed_at is not None
            endpoint.failed_at = None
            endpoint.retry_at = 0.0
            endpoint.reason = None
            self._current = self._endpoints.index(endpoint)
        if recovered:
            LOG.info('LightOS API endpoint %s answers again.',
                     endpoint.base_url)


class HedgeDelay(object):
    """How long to wait for one endpoint before asking the next one.

    Derived from the answer times seen so far like TCP's retransmission
    timeout (RFC 6298): smoothed time plus four times its mean deviation,
    kept between ``minimum`` and ``maximum``. A hung API service then costs
    a fraction of a second instead of a whole read timeout, while a cluster
    that is merely slow raises the delay with its answer times. Safe to
    share between threads. A ``maximum`` of 0 turns hedging off.
    """

    def __init__(self, minimum, maximum):
        self._enabled = float(maximum) > 0
        self._minimum = float(minimum)
        self._maximum = max(float(maximum), self._minimum)
        self._smoothed = None
        self._deviation = 0.0
        self._lock = threading.Lock()

    @property
    def enabled(self):
        return self._enabled

    def seconds(self):
        with self._lock:
            if self._smoothed is None:
                estimate = self._minimum
            else:
                estimate = self._smoothed + 4 * self._deviation
        return min(self._maximum, max(self._minimum, estimate))

    def observe(self, seconds):
        """Record the time one endpoint took to answer."""
        seconds = max(0.0, float(seconds))
        with self._lock:
            if self._smoothed is None:
                self._smoothed, self._deviation = seconds, seconds / 2
            else:
                self._deviation = (0.75 * self._deviation +
                                   0.25 * abs(self._smoothed - seconds))
                self._smoothed = 0.875 * self._smoothed + 0.125 * seconds
