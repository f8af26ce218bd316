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

from lightos_cinder import exception

LOG = logging.getLogger(__name__)


def wait_for(probe, *, timeout, what, interval=0.25, max_interval=2.0,
             clock=time.monotonic, sleep=time.sleep):
    """Call ``probe`` until it returns, and return what it returned.

    ``probe`` raises :class:`exception.NotReady` to be called again after a
    pause that starts at ``interval`` seconds and doubles up to
    ``max_interval``; any other exception (typically
    :class:`exception.OperationFailed` for a terminal state) ends the wait at
    once and propagates. The probe is always called at least once, and once
    more at the deadline, so a state reached during the last pause is seen.

    :raises exception.WaitTimeout: naming ``what`` and the last state the
        probe reported, when ``timeout`` seconds pass without success.
    """
    if timeout < 0:
        raise ValueError('timeout must not be negative, got %r' % timeout)
    if interval <= 0 or max_interval < interval:
        raise ValueError('need 0 < interval <= max_interval, got %r, %r'
                         % (interval, max_interval))
    deadline = clock() + timeout
    pause = interval
    attempts = 0
    while True:
        attempts += 1
        try:
            return probe()
        except exception.NotReady as not_ready:
            last_state = not_ready.state
        remaining = deadline - clock()
        if remaining <= 0:
            LOG.debug('Gave up waiting for %s after %d attempts, last '
                      'state %s', what, attempts, last_state)
            raise exception.WaitTimeout(what, timeout, last_state)
        sleep(min(pause, remaining))
        pause = min(pause * 2, max_interval)
