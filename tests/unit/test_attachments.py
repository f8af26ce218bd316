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

"""Which attachments hold a host's access, and the detach ledger."""

import uuid

from cinder import objects
import pytest

from lightos_cinder.volume import attachments
from tests.unit import fakes

objects.register_all()

HOST = {'nqn': 'nqn.2014-08.org.nvmexpress:uuid:host-1', 'host': 'compute-1',
        'host_ips': ['10.0.0.1']}


def _attachment(status='attached', connector=HOST, host='compute-1'):
    return objects.VolumeAttachment(
        id=str(uuid.uuid4()), attach_status=status, connector=connector,
        attached_host=host)


@pytest.mark.parametrize('status,holds', [
    ('attached', True), ('attaching', True), ('error_attaching', True),
    ('error_detaching', True), ('detached', False), ('deleted', False)])
def test_holds_access_by_state(status, holds):
    assert attachments.holds_access(_attachment(status)) is holds


def test_a_reserved_attachment_names_no_host():
    reserved = _attachment('reserved', connector=None, host=None)
    assert attachments.holds_access(reserved) is False


def test_a_legacy_attachment_holds_access_by_its_host():
    legacy = _attachment(connector=None)
    assert attachments.holds_access(legacy)
    assert attachments.same_host(legacy, HOST)
    assert attachments.is_own(legacy, HOST)


def _volume(status='in-use', migration_status=None):
    return objects.Volume(id=str(uuid.uuid4()), status=status,
                          migration_status=migration_status)


@pytest.mark.parametrize('status,migration,unrecorded', [
    ('in-use', None, False), ('available', 'success', False),
    ('available', 'error', False), ('backing-up', None, True),
    ('restoring-backup', None, True), ('uploading', None, True),
    ('available', 'migrating', True), ('available', 'target:x', True)])
def test_transfers_use_access_without_an_attachment(status, migration,
                                                    unrecorded):
    found = attachments.unrecorded_use(_volume(status, migration),
                                       [_attachment()])
    assert bool(found) is unrecorded


def test_an_attachment_naming_no_host_may_use_any_grant():
    legacy = _attachment(connector=None, host=None)
    assert legacy.id in attachments.unrecorded_use(_volume(), [legacy])
    # Neither a reserved attachment (its attach has not run) nor a detached
    # one may.
    for status in ('reserved', 'detached'):
        assert attachments.unrecorded_use(_volume(), [_attachment(
            status, connector=None, host=None)]) is None


def test_own_means_the_stored_connector():
    other_mount = dict(HOST, mountpoint='/dev/vdc')
    assert attachments.is_own(_attachment(), dict(HOST))
    assert not attachments.is_own(_attachment(connector=other_mount), HOST)


class _Reads(object):
    """Cinder's database as the ledger reads it.

    ``removals`` maps a read's number to the attachments Cinder has
    removed by then.
    """

    def __init__(self, attachments, removals=None):
        self.attachments = list(attachments)
        self.removals = dict(removals or {})
        self.count = 0

    def __call__(self):
        self.count += 1
        for gone in self.removals.pop(self.count, ()):
            self.attachments.remove(gone)
        return list(self.attachments)


def _ledger(clock=None):
    clock = clock or fakes.FakeClock()
    return attachments.DetachLedger(settle_time=10, clock=clock,
                                    wait_clock=clock, sleep=clock.sleep)


def _users(ledger, attached, own=True, removals=None):
    return ledger.users_after('v', 'h', _Reads(attached, removals), own=own)


def test_ledger_counts_a_kept_detach_until_its_attachment_is_gone():
    ledger = _ledger()
    first, second = _attachment(), _attachment()
    assert _users(ledger, [first, second]) == 1
    # The second detach comes before Cinder dropped the first attachment,
    # which it does while the second waits.
    assert _users(ledger, [first, second], removals={3: [first]}) == 0


def test_ledger_forgets_once_the_attachment_is_gone():
    ledger = _ledger()
    first, second, third = _attachment(), _attachment(), _attachment()
    assert _users(ledger, [first, second]) == 1
    # first is gone, third arrived: second's detach leaves third.
    assert _users(ledger, [second, third]) == 1
    assert _users(ledger, [third]) == 0


def test_a_detach_for_no_attachment_keeps_every_user():
    ledger = _ledger()
    instance = _attachment()
    # cinder-volume's own attach of the volume on a compute host.
    assert _users(ledger, [instance], own=False) == 1
    assert _users(ledger, [instance]) == 0


def test_forget_drops_a_volume():
    ledger = _ledger()
    first, second = _attachment(), _attachment()
    _users(ledger, [first, second])
    ledger.forget('v')
    assert _users(ledger, [first, second]) == 1


def test_a_retried_detach_that_never_completed_counts_once():
    """A detach retried after cinder-api died counts once.

    The first call kept access; retried, it must keep the access the other
    attachment uses.
    """
    clock = fakes.FakeClock()
    ledger = _ledger(clock)
    first, second = _attachment(), _attachment()
    assert _users(ledger, [first, second]) == 1
    assert _users(ledger, [first, second]) == 1
    # It waited for the first attachment to go, up to the settle time.
    assert sum(clock.sleeps) == pytest.approx(10)
    # Cinder completes the retry; the other attachment's detach revokes.
    assert _users(ledger, [second]) == 0


def test_an_old_kept_detach_is_not_awaited():
    clock = fakes.FakeClock()
    ledger = _ledger(clock)
    first, second = _attachment(), _attachment()
    assert _users(ledger, [first, second]) == 1
    clock.now += 60
    # The other attachment's detach after the first one's was abandoned:
    # that one is still attached in Cinder.
    assert _users(ledger, [first, second]) == 1
    assert clock.sleeps == []


def test_the_database_store_reads_entries_without_a_time():
    store = attachments.DatabaseStore()
    value = '2 0a1b2c3d 4e5f6a7b'
    metadata = {attachments._KEY_PREFIX + 'h': value}
    store._metadata = lambda volume_id: metadata
    assert store.load('v', 'h') == (
        2, frozenset(['0a1b2c3d', '4e5f6a7b']), 0)
