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
import time

from cinder import context as cinder_context
from cinder.db import api as db
from cinder import exception as cinder_exception
from cinder import objects
from cinder.objects import fields
from oslo_log import log as logging

from lightos_cinder.api import exception
from lightos_cinder.api import waiters

LOG = logging.getLogger(__name__)

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


# Volume states in which Cinder hands out access through
# initialize_connection without an attachment (backups, image transfers,
# migration copies); the volume's access may then be in use anywhere.
_TRANSFERS = frozenset(['backing-up', 'restoring-backup', 'uploading',
                        'downloading', 'retyping', 'maintenance'])
_MIGRATION_DONE = (None, 'success', 'error')


def unrecorded_use(volume, attachments):
    """Why a host may use ``volume`` where no attachment names it; or None.

    Access made by initialize_connection outside Cinder's attachment flow
    has no attachment with a connector: an attach of the legacy flow
    (os-initialize_connection, then os-attach) stores neither a connector
    nor, for a server, a host; a backup, a restore, an image transfer or a
    migration copy stores no attachment at all.
    """
    if volume.status in _TRANSFERS:
        return 'its status is %s' % volume.status
    if volume.migration_status not in _MIGRATION_DONE:
        return 'its migration status is %s' % volume.migration_status
    legacy = sorted(a.id for a in attachments
                    if a.attach_status not in _GONE + (
                        fields.VolumeAttachStatus.RESERVED,) and
                    not (a.connector or a.attached_host))
    if legacy:
        return 'attachment(s) %s name no host' % ', '.join(legacy)
    return None


def fresh_volume(volume):
    """The volume as Cinder's database holds it now."""
    try:
        return objects.Volume.get_by_id(
            cinder_context.get_admin_context(), volume.id)
    except cinder_exception.VolumeNotFound:
        return volume


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


# The ledger keeps attachment ids by their first 8 hex digits: entries
# must fit a 255-character admin metadata value (27 ids at most), and two
# attachments of one volume and host sharing 32 bits are not a concern.
_ID_CHARS = 8
_MAX_IDS = 27
_KEY_PREFIX = 'lightos_kept_access:'


def _short(attachment_id):
    return attachment_id[:_ID_CHARS]


def _ids(attachments):
    return frozenset(_short(a.id) for a in attachments)


# What the stores hold per volume and host: how many detaches kept the
# host's access, the attachment ids the last of them saw, and when (wall
# clock seconds, shared by every service of a cluster) the last one kept it.
_NOTHING = (0, frozenset(), 0)


def admin_metadata(context, volume_id):
    """The volume's admin metadata; None for a volume Cinder does not know.

    A driver-internal temporary volume has no attachments to remember.
    """
    try:
        return db.volume_admin_metadata_get(context, volume_id)
    except cinder_exception.VolumeNotFound:
        return None


class MemoryStore(object):
    """Ledger entries of one cinder-volume process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = {}

    def load(self, volume_id, host):
        with self._lock:
            return self._entries.get((volume_id, host), _NOTHING)

    def save(self, volume_id, host, entry):
        with self._lock:
            if entry:
                self._entries[(volume_id, host)] = entry
            else:
                self._entries.pop((volume_id, host), None)

    def forget(self, volume_id):
        with self._lock:
            for key in [k for k in self._entries if k[0] == volume_id]:
                del self._entries[key]


class DatabaseStore(object):
    """Ledger entries in the volume's admin metadata in Cinder's database.

    Every cinder-volume service of an active-active cluster sees them (the
    volume lock is cluster-wide too), and they outlive a restart between a
    detach and Cinder's removal of its attachment.
    """

    def __init__(self):
        self._context = cinder_context.get_admin_context()

    def _metadata(self, volume_id):
        return admin_metadata(self._context, volume_id)

    def load(self, volume_id, host):
        value = (self._metadata(volume_id) or {}).get(_KEY_PREFIX + host)
        if not value:
            return _NOTHING
        head, _sep, ids = value.partition(' ')
        # Entries written before the time was kept read as old ones.
        count, _sep, since = head.partition('@')
        return int(count), frozenset(ids.split()), int(since or 0)

    def save(self, volume_id, host, entry):
        metadata = self._metadata(volume_id)
        if metadata is None:
            return
        key = _KEY_PREFIX + host
        if entry:
            count, ids, since = entry
            value = ' '.join(['%d@%d' % (count, since)] +
                             sorted(ids)[:_MAX_IDS])
            db.volume_admin_metadata_update(self._context, volume_id,
                                            {key: value}, False)
        elif key in metadata:
            db.volume_admin_metadata_delete(self._context, volume_id, key)

    def forget(self, volume_id):
        for key in (self._metadata(volume_id) or {}):
            if key.startswith(_KEY_PREFIX):
                db.volume_admin_metadata_delete(self._context, volume_id,
                                                key)


class DetachLedger(object):
    """Same-host detaches that kept access, until Cinder drops them.

    Cinder deletes an attachment only after terminate_connection returned,
    so a second detach on the same host that takes the volume lock in
    between still finds the first attachment in the database. The ledger
    counts such detaches per volume and host; a count ends when one of the
    attachments it saw is gone. Attachments on one host with one connector
    are interchangeable for access, so a count is all that is needed.

    Cinder does not say which attachment a detach is for, so a detach
    retried after its first call kept access but never completed in Cinder
    (cinder-api died, or gave up at its RPC timeout) would count twice.
    Cinder removes the attachment of a completed detach within moments of
    terminate_connection returning; a count whose attachments all outlive
    ``settle_time`` seconds belongs to detaches that did not complete, and
    is dropped.
    """

    def __init__(self, store=None, settle_time=10, clock=time.time,
                 wait_clock=time.monotonic, sleep=time.sleep):
        self._store = store or MemoryStore()
        self._settle_time = settle_time
        # Ages are told by the wall clock, which every service shares; the
        # wait runs on the monotonic one of operation budgets.
        self._clock = clock
        self._wait_clock = wait_clock
        self._sleep = sleep

    def users_after(self, volume_id, host, read, own):
        """How many attachments still use ``host`` once this detach is done.

        ``read()`` returns the live attachments on that host; ``own`` says
        whether the detach is for one of them. Call it under the volume's
        lock.
        """
        here = read()
        count, seen, since = self._store.load(volume_id, host)
        if count and not seen - _ids(here):
            here = self._await_removal(volume_id, host, read, seen, since)
            if here is None:
                LOG.warning('Detaches of Cinder volume %(id)s from host '
                            '%(host)s that kept its access %(age)d s ago '
                            'did not complete in Cinder: attachments '
                            '%(seen)s remain. Counting them no more.',
                            {'id': volume_id, 'host': host,
                             'age': self._clock() - since,
                             'seen': ', '.join(sorted(seen))})
                count, seen, here = 0, frozenset(), read()
        ids = _ids(here)
        count = max(0, count - len(seen - ids))
        users = len(ids) - count - (1 if own else 0)
        if users > 0 and own:
            count += 1
            since = int(self._clock())
        keep = users > 0 and count
        if keep or seen:
            self._store.save(volume_id, host,
                             (count, ids, since) if keep else None)
        return max(users, 0)

    def _await_removal(self, volume_id, host, read, seen, since):
        """The attachments once one of ``seen`` is gone; None if none goes.

        Waits at most until ``settle_time`` after the last kept detach.
        """
        def probe():
            here = read()
            if seen - _ids(here):
                return here
            raise exception.NotReady('attachments %s remain' %
                                     ', '.join(sorted(seen)))

        left = self._settle_time - (self._clock() - since)
        if left <= 0:
            return None
        try:
            return waiters.wait_for(
                probe, timeout=left, max_interval=0.5,
                clock=self._wait_clock, sleep=self._sleep,
                what='Cinder to remove an attachment of volume %s on host '
                     '%s' % (volume_id, host))
        except exception.WaitTimeout:
            return None

    def forget(self, volume_id):
        """Drop what is known of a volume (every host lost access)."""
        self._store.forget(volume_id)
