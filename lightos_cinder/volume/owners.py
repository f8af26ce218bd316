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

"""Cinder's rows the driver reads: owners of records, sources of volumes."""

import re

from cinder import context as cinder_context
from cinder import objects
from oslo_config import cfg

from lightos_cinder.volume import naming

CONF = cfg.CONF
CONF.import_opt('volume_name_template', 'cinder.db.api')
CONF.import_opt('snapshot_name_template', 'cinder.db.api')

_UUID = '[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}'


def _id_in(name, template):
    """The Cinder id a ``template`` name holds, or None."""
    pattern = re.escape(template).replace(re.escape('%s'), '(%s)' % _UUID)
    match = re.fullmatch(pattern, name)
    return match.group(1).lower() if match else None


def volume_id_in(name):
    """The id in a ``volume-<id>`` name (a Cinder name_id), or None."""
    return _id_in(name, CONF.volume_name_template)


def snapshot_id_in(name):
    """The id in a ``snapshot-<id>`` name, or None."""
    return _id_in(name, CONF.snapshot_name_template)


def _context():
    # Rows only: no request leaves the service, deleted rows stay hidden.
    return cinder_context.get_admin_context()


def _claiming(list_class, project, record, by_name):
    """Live rows of ``list_class`` claiming ``record`` by UUID or name.

    ``by_name`` are the extra filters that select rows by the name.
    """
    ctxt = _context()
    claims = {}
    filters = [{'provider_id': naming.Location(project,
                                               record.uuid).provider_id}]
    for query in filters + by_name:
        for row in list_class.get_all(ctxt, filters=query):
            claims[row.id] = row
    return list(claims.values())


def volumes_claiming(project, record):
    """Live Cinder volumes whose provider_id or name is ``record``'s."""
    name_id = volume_id_in(record.name)
    # name_id is _name_id once a migration set it, else the id.
    by_name = [{'_name_id': name_id},
               {'id': name_id, '_name_id': None}] if name_id else []
    return _claiming(objects.VolumeList, project, record, by_name)


def snapshots_claiming(project, record):
    """Live Cinder snapshots whose provider_id or name is ``record``'s."""
    snapshot_id = snapshot_id_in(record.name)
    by_name = [{'id': snapshot_id}] if snapshot_id else []
    return _claiming(objects.SnapshotList, project, record, by_name)


def snapshot_named(name):
    """The live Cinder snapshot whose LightOS name is ``name``, or None."""
    snapshot_id = snapshot_id_in(name)
    if not snapshot_id:
        return None
    found = objects.SnapshotList.get_all(_context(),
                                         filters={'id': snapshot_id})
    return found[0] if found else None


def source_snapshot(volume):
    """The Cinder snapshot ``volume`` was created from, or None.

    Deleted rows count: the snapshot may be gone by the time the volume
    is deleted, its row stays until an operator purges it.
    """
    if not volume.get('snapshot_id', None):
        return None
    found = objects.SnapshotList.get_all(
        cinder_context.get_admin_context(read_deleted='yes'),
        filters={'id': volume.snapshot_id})
    return found[0] if found else None
