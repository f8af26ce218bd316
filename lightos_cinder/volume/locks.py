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

"""The driver's cluster-wide locks, safe across a coordination outage."""

import functools
import inspect
import threading

from cinder import coordination
from cinder import exception as cinder_exception
from oslo_log import log as logging
from tooz import coordination as tooz_coordination

from lightos_cinder.api import exception
from lightos_cinder.api import waiters

LOG = logging.getLogger(__name__)

# A release that failed is retried until the backend answers: tooz keeps
# refreshing the lease of a lock whose release failed, so without the retry
# the lock would stay held for as long as the service runs.
RELEASE_RETRY_TIMEOUT = 24 * 3600
RELEASE_RETRY_MAX_INTERVAL = 10


def synchronized(template):
    """Run the method under Cinder's coordination lock ``template``.

    ``template`` is formatted with the call's arguments, as in Cinder's
    ``coordination.synchronized``, and names the same lock. A lock that
    cannot be taken (the coordination backend does not answer) fails the
    call before it changes anything, with an error that says so.
    """
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            name = template.format(**inspect.getcallargs(func, *args,
                                                         **kwargs))
            lock = coordination.COORDINATOR.get_lock(name)
            try:
                lock.acquire(True)
            except tooz_coordination.ToozError as exc:
                raise cinder_exception.VolumeBackendAPIException(
                    message='Cannot take the lock %s: the coordination '
                            'backend ([coordination] backend_url) did not '
                            'answer (%s). Nothing was changed; retry once '
                            'it answers.' % (name, _describe(exc))) from exc
            try:
                return func(*args, **kwargs)
            finally:
                release(lock, name)
        return wrapper
    return decorate


def _describe(exc):
    # tooz's connection errors often carry no message of their own.
    return '%s: %s' % (type(exc).__name__, exc) if str(exc) else (
        type(exc).__name__)


def release(lock, name):
    """Release ``lock``; if the backend does not answer, keep trying."""
    try:
        lock.release()
        return
    except tooz_coordination.ToozError as exc:
        LOG.warning('Could not release the lock %(name)s (%(error)s); '
                    'retrying until the coordination backend answers.',
                    {'name': name, 'error': _describe(exc)})
    retry = threading.Thread(target=_release_when_back,
                             args=(lock, name), daemon=True)
    retry.start()


def _release_when_back(lock, name):
    def probe():
        try:
            lock.release()
        except tooz_coordination.ToozError as exc:
            raise exception.NotReady(type(exc).__name__)

    try:
        waiters.wait_for(probe, timeout=RELEASE_RETRY_TIMEOUT,
                         what='the release of lock %s' % name, interval=0.5,
                         max_interval=RELEASE_RETRY_MAX_INTERVAL)
    except exception.WaitTimeout:
        LOG.error('The lock %s could not be released: it stays held until '
                  'this service restarts.', name)
        return
    LOG.info('Released the lock %s once the coordination backend '
             'answered again.', name)
