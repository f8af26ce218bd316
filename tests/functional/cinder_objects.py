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

"""Real Cinder volume types, volumes and snapshots built from database rows.

Built here rather than with the fakes of ``cinder.tests.unit``: importing
that package monkey-patches the whole process with eventlet on Cinder
2025.1 to 2026.1 (and selects oslo.service's backend on 2026.2), long
after pytest has imported urllib3 and the simulator's socketserver; see
tests/conftest.py.
"""

import uuid

from cinder import objects
from cinder.objects import fields
from oslo_versionedobjects import fields as ovo_fields


def _db_row(cls, **values):
    """A database row for ``cls`` (unset fields null or default)."""
    row = {}
    for name, field in cls.fields.items():
        if field.nullable:
            row[name] = None
        elif field.default != ovo_fields.UnspecifiedDefault:
            row[name] = field.default
    row.update(values)
    return row


def volume_type(ctx, extra_specs=None, name=None):
    type_id = str(uuid.uuid4())
    return objects.VolumeType._from_db_object(
        ctx, objects.VolumeType(), _db_row(
            objects.VolumeType, id=type_id, is_public=True,
            name=name or 'type-%s' % type_id[:8], projects=[],
            extra_specs=dict(extra_specs or {})))


def volume(ctx, vtype=None, size=1, **updates):
    values = dict(id=str(uuid.uuid4()), size=size, status='available',
                  attach_status=fields.VolumeAttachStatus.DETACHED,
                  multiattach=True, volume_attachment=[],
                  volume_metadata=[], volume_admin_metadata=[],
                  volume_glance_metadata=[], snapshots=[])
    if vtype is not None:
        values['volume_type_id'] = vtype.id
    values.update(updates)
    vol = objects.Volume._from_db_object(
        ctx, objects.Volume(), _db_row(objects.Volume, **values),
        expected_attrs=['metadata', 'admin_metadata', 'volume_attachment'])
    if vtype is not None:
        vol.volume_type = vtype
    return vol


def snapshot(ctx, vol, **updates):
    values = dict(id=str(uuid.uuid4()), volume_id=vol.id,
                  volume_size=vol.size, status='available', metadata={})
    values.update(updates)
    snap = objects.Snapshot._from_db_object(
        ctx, objects.Snapshot(), _db_row(objects.Snapshot, **values))
    snap.volume = vol
    return snap


def attachment(ctx, vol, connector,
               status=fields.VolumeAttachStatus.ATTACHED):
    """Record on ``vol`` an attachment made with ``connector``."""
    made = objects.VolumeAttachment(
        context=ctx, id=str(uuid.uuid4()), volume_id=vol.id,
        attached_host=connector.get('host'), connector=connector,
        attach_status=status, instance_uuid=str(uuid.uuid4()))
    vol.volume_attachment = objects.VolumeAttachmentList(
        objects=list(vol.volume_attachment) + [made])
    return made


def provided(obj, update):
    """``obj`` carrying the ``provider_id`` of a driver's model update."""
    obj.provider_id = update['provider_id']
    return obj


def connector(index=1, ips=None, host=None):
    """The connector properties os-brick reports for compute host N."""
    return {
        'nqn': 'nqn.2014-08.org.nvmexpress:uuid:%08d-0000-4000-8000-'
               '000000000000' % index,
        'found_dsc': 'found',
        'host_ips': list(ips or ['10.20.%d.%d' % (index // 250,
                                                  index % 250 + 1)]),
        'host': host or 'compute-%d' % index,
    }
