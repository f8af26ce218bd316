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

"""Host grants recorded before they are made, so dead ones can be undone.

Cinder stores an attachment's connector only once initialize_connection
has returned. A cinder-volume killed after the driver granted a host
access but before that leaves access that no attachment names, and that
no detach will ever revoke. The driver records each grant first, in the
volume's admin metadata, and drops the record once a detach from that host
has run; at start-up, records the service left are checked against
Cinder's attachments (see AccessManager.settle_grants).
"""

import collections
import threading

from cinder import context as cinder_context
from cinder.db import api as db

from lightos_cinder.volume import attachments

_KEY_PREFIX = 'lightos_granting:'
# Admin metadata values hold at most 255 characters.
_MAX_VALUE = 255

# ``service``: the cinder-volume host that made the grant; ``connector``:
# what revoking it needs (nqn, host, host_ips).
Grant = collections.namedtuple('Grant', 'service connector')


def _encode(service, connector):
    words = [service or '-', connector.get('host') or '-']
    for ip in connector.get('host_ips') or ():
        if len(' '.join(words + [ip])) > _MAX_VALUE:
            break
        words.append(ip)
    return ' '.join(words)


def _decode(nqn, value):
    words = value.split()
    host = words[1] if len(words) > 1 and words[1] != '-' else None
    return Grant(words[0], {'nqn': nqn, 'host': host,
                            'host_ips': words[2:]})


def from_metadata(metadata):
    """{nqn: Grant} recorded in a volume's admin metadata."""
    return {key[len(_KEY_PREFIX):]: _decode(key[len(_KEY_PREFIX):], value)
            for key, value in (metadata or {}).items()
            if key.startswith(_KEY_PREFIX) and value}


class MemoryGrants(object):
    """Grant records of one process (a driver without Cinder's database)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._records = {}

    def record(self, volume_id, service, connector):
        with self._lock:
            self._records.setdefault(volume_id, {})[connector['nqn']] = (
                _decode(connector['nqn'], _encode(service, connector)))

    def pending(self, volume_id):
        with self._lock:
            return dict(self._records.get(volume_id, {}))

    def drop(self, volume_id, nqn=None):
        with self._lock:
            if nqn is None:
                self._records.pop(volume_id, None)
            else:
                self._records.get(volume_id, {}).pop(nqn, None)


class DatabaseGrants(object):
    """Grant records in the volume's admin metadata in Cinder's database."""

    def __init__(self):
        self._context = cinder_context.get_admin_context()

    def record(self, volume_id, service, connector):
        if attachments.admin_metadata(self._context, volume_id) is None:
            return
        db.volume_admin_metadata_update(
            self._context, volume_id,
            {_KEY_PREFIX + connector['nqn']: _encode(service, connector)},
            False)

    def pending(self, volume_id):
        return from_metadata(attachments.admin_metadata(self._context,
                                                        volume_id))

    def drop(self, volume_id, nqn=None):
        pending = self.pending(volume_id)
        for key in pending if nqn is None else [nqn]:
            if key in pending:
                db.volume_admin_metadata_delete(self._context, volume_id,
                                                _KEY_PREFIX + key)
