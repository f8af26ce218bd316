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

"""Which Cinder attachments of a volume still need a host's access."""

import threading

from cinder import context as cinder_context
from cinder import objects
from cinder.objects import fields

_GONE = (fields.VolumeAttachStatus.DETACHED, fields.VolumeAttachStatus.DELETED)


def holds_access(attachment):
    """Whether ``attachment`` may be using the access granted to its host.

    Every state but detached/deleted counts once the attachment names its
    host: Nova leaves a new attachment ``attaching`` from attachment_update
    (access granted) until attachment_complete, and error states may hold a
    granted host too. A ``reserved`` attachment names no host yet.
    """
    return (attachment.attach_status not in _GONE and
            bool(attachment.connector or attachment.attached_host))


def same_host(attachment, connector):
    """Whether an attachment was made from the host of ``connector``."""
    other = attachment.connector or {}
    if other.get('nqn') and connector.get('nqn'):
        return other['nqn'] == connector['nqn']
    host = connector.get('host')
    return bool(host) and attachment.attached_host == host


def is_own(attachment, connector):
    """Whether a detach with ``connector`` may be for ``attachment``.

    Cinder's attachment_delete passes the connector it stored with the
    attachment; attachments of the legacy attach flow stored none.
    """
    return (attachment.connector == connector or
            not attachment.connector)


def from_database(volume):
    """The volume's attachments as Cinder's database holds them now."""
    return list(objects.VolumeAttachmentList.get_all_by_volume_id(
        cinder_context.get_admin_context(), volume.id))


def from_volume(volume):
    """The attachments the caller loaded with the volume object."""
    return list(volume.volume_attachment or ())


class DetachLedger(object):
    """Same-host detaches that kept access, until Cinder drops them.

    Cinder deletes an attachment only after terminate_connection returned,
    so a second detach on the same host that takes the volume lock in
    between still finds the first attachment in the database. The ledger
    counts such detaches per volume and host; a count ends when one of the
    attachments it saw is gone. Attachments on one host with one connector
    are interchangeable for access, so a count is all that is needed.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._pending = {}

    def users_after(self, volume_id, host, attachments, own):
        """How many attachments still use ``host`` once this detach is done.

        ``attachments`` are the live ones on that host; ``own`` says
        whether the detach is for one of them. Call it under the volume's
        lock.
        """
        key = (volume_id, host)
        ids = frozenset(a.id for a in attachments)
        with self._lock:
            count, seen = self._pending.get(key, (0, frozenset()))
            count = max(0, count - len(seen - ids))
            users = len(ids) - count - (1 if own else 0)
            if users > 0 and own:
                count += 1
            if users > 0 and count:
                self._pending[key] = (count, ids)
            else:
                self._pending.pop(key, None)
        return max(users, 0)

    def forget(self, volume_id):
        """Drop what is known of a volume (every host lost access)."""
        with self._lock:
            for key in [k for k in self._pending if k[0] == volume_id]:
                del self._pending[key]
