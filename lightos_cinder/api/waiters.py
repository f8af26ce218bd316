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

"""The one polling helper: retry a probe with backoff until a deadline."""

import time

from oslo_log import log as logging

from lightos_cinder.api import budget
from lightos_cinder.api import exception

LOG = logging.getLogger(__name__)

# The longest pause between two calls of a probe, by default.
MAX_INTERVAL = 2.0


def wait_for(probe, *, timeout, what, interval=0.05,
             max_interval=MAX_INTERVAL,
             growth=0.2, clock=time.monotonic, sleep=time.sleep,
             probe_at_deadline=True):
    """Call ``probe`` until it returns, and return what it returned.

    ``probe`` raises :class:`exception.NotReady` to be called again after a
    pause of ``growth`` times the time waited so far, at least ``interval``
    and at most ``max_interval`` seconds. Pausing in proportion to the wait
    bounds how late a state change is seen: a change after ``D`` seconds is
    noticed by about ``(1 + growth) * D`` (or ``D + interval`` for short
    ones), where doubling pauses could see it up to twice as late; the
    price is a few more cheap GETs. Any other exception (typically
    :class:`exception.OperationFailed` for a terminal state) ends the wait at
    once and propagates. The probe is always called at least once, and once
    more at the deadline, so a state reached during the last pause is seen;
    unless ``probe_at_deadline`` is False: a probe that needs time of its own
    (a request) is not worth making then, so the wait gives up instead of
    taking a pause that would reach the deadline.

    A :class:`exception.NotReady` with ``retry_after`` (a server's
    Retry-After, or a probe that knows when to look next) sets the next
    pause to that instead.

    The wait also ends with the running operation's budget (see
    :mod:`lightos_cinder.api.budget`) if that comes first.

    :raises exception.WaitTimeout: naming ``what`` and the last state the
        probe reported, when ``timeout`` seconds pass without success.
    """
    if timeout < 0:
        raise ValueError('timeout must not be negative, got %r' % timeout)
    if interval <= 0 or max_interval < interval:
        raise ValueError('need 0 < interval <= max_interval, got %r, %r'
                         % (interval, max_interval))
    if growth < 0:
        raise ValueError('growth must not be negative, got %r' % growth)
    start = clock()
    deadline = budget.give_up_at(start + timeout)
    attempts = 0
    while True:
        attempts += 1
        try:
            return probe()
        except exception.NotReady as not_ready:
            last_state = not_ready.state
            asked = not_ready.retry_after
        now = clock()
        remaining = deadline - now
        if remaining <= 0:
            LOG.debug('Gave up waiting for %s after %d attempts, last '
                      'state %s', what, attempts, last_state)
            raise exception.WaitTimeout(what, deadline - start, last_state)
        pause = min(max(interval, growth * (now - start)), max_interval)
        if asked is not None:
            pause = max(asked, interval)
        if pause >= remaining and not probe_at_deadline:
            LOG.debug('Gave up waiting for %s after %d attempts: no time '
                      'for another, last state %s', what, attempts,
                      last_state)
            raise exception.WaitTimeout(what, deadline - start, last_state)
        sleep(min(pause, remaining))
