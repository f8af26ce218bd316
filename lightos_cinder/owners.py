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

"""Which Cinder volumes and snapshots claim a LightOS record (Cinder's DB)."""

import re

from cinder import context as cinder_context
from cinder import objects
from oslo_config import cfg

CONF = cfg.CONF
CONF.import_opt('snapshot_name_template', 'cinder.db.api')

_UUID = '[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}'


def _id_in(name, template):
    """The Cinder id a ``template`` name holds, or None."""
    pattern = re.escape(template).replace(re.escape('%s'), '(%s)' % _UUID)
    match = re.fullmatch(pattern, name)
    return match.group(1).lower() if match else None


def snapshot_id_in(name):
    """The id in a ``snapshot-<id>`` name, or None."""
    return _id_in(name, CONF.snapshot_name_template)


def _context():
    # Rows only: no request leaves the service, deleted rows stay hidden.
    return cinder_context.get_admin_context()


def snapshot_named(name):
    """The live Cinder snapshot whose LightOS name is ``name``, or None."""
    snapshot_id = snapshot_id_in(name)
    if not snapshot_id:
        return None
    found = objects.SnapshotList.get_all(_context(),
                                         filters={'id': snapshot_id})
    return found[0] if found else None
