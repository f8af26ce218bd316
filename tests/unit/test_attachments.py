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

from lightos_cinder import attachments

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


def test_own_means_the_stored_connector():
    other_mount = dict(HOST, mountpoint='/dev/vdc')
    assert attachments.is_own(_attachment(), dict(HOST))
    assert not attachments.is_own(_attachment(connector=other_mount), HOST)


def test_ledger_counts_a_kept_detach_until_its_attachment_is_gone():
    ledger = attachments.DetachLedger()
    first, second = _attachment(), _attachment()
    assert ledger.users_after('v', 'h', [first, second], own=True) == 1
    # The second detach before Cinder dropped the first attachment.
    assert ledger.users_after('v', 'h', [first, second], own=True) == 0


def test_ledger_forgets_once_the_attachment_is_gone():
    ledger = attachments.DetachLedger()
    first, second, third = _attachment(), _attachment(), _attachment()
    assert ledger.users_after('v', 'h', [first, second], own=True) == 1
    # first is gone, third arrived: second's detach leaves third.
    assert ledger.users_after('v', 'h', [second, third], own=True) == 1
    assert ledger.users_after('v', 'h', [third], own=True) == 0


def test_a_detach_for_no_attachment_keeps_every_user():
    ledger = attachments.DetachLedger()
    instance = _attachment()
    # cinder-volume's own attach of the volume on a compute host.
    assert ledger.users_after('v', 'h', [instance], own=False) == 1
    assert ledger.users_after('v', 'h', [instance], own=True) == 0


def test_forget_drops_a_volume():
    ledger = attachments.DetachLedger()
    first, second = _attachment(), _attachment()
    ledger.users_after('v', 'h', [first, second], own=True)
    ledger.forget('v')
    assert ledger.users_after('v', 'h', [first, second], own=True) == 1
