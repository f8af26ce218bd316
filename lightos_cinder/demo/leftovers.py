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

"""The final check: nothing the story created is left anywhere."""

from cinder.db import api as db
from cinder import objects
from cinder.volume import volume_types

from lightos_cinder.demo import report


def cinder_leftovers(admin, projects):
    """Volumes, snapshots, attachments, types and quota usage in Cinder."""
    volumes = objects.VolumeList.get_all(admin)
    snapshots = objects.SnapshotList.get_all(admin, filters={})
    attachments = objects.VolumeAttachmentList.get_all(admin)
    default_type = volume_types.get_default_volume_type(admin)
    types = [t for t in volume_types.get_all_types(admin).values()
             if t['id'] != default_type['id']]
    found = [
        report.Leftover('Cinder', 'volumes', len(volumes),
                        _names(v.name for v in volumes)),
        report.Leftover('Cinder', 'snapshots', len(snapshots),
                        _names(s.name for s in snapshots)),
        report.Leftover('Cinder', 'attachments', len(attachments),
                        _names(a.id for a in attachments)),
        report.Leftover('Cinder', 'volume types', len(types),
                        _names(t['name'] for t in types)),
    ]
    for project in projects:
        usage = db.quota_usage_get_all_by_project(admin, project)
        busy = sorted('%s=%d+%d' % (name, value['in_use'], value['reserved'])
                      for name, value in usage.items()
                      if name != 'project_id' and
                      (value['in_use'] or value['reserved']))
        found.append(report.Leftover(
            'Cinder', 'quota in use or reserved by %s' % project, len(busy),
            _names(busy)))
    return found


def cluster_leftovers(cluster, state):
    """Volumes and snapshots in the demo's Lightbits projects.

    ``cluster`` is what the REST API lists; ``state`` the simulator's own
    record (which also holds anything the API would hide, such as a
    volume stuck in Deleting).
    """
    found = []
    for project in cluster.projects:
        volumes = cluster.volumes_of(project)
        snapshots = cluster.snapshots_of(project)
        held = state['projects'].get(project, {})
        stored = (held.get('volumes') or []) + (held.get('snapshots') or [])
        found += [
            report.Leftover('API', 'volumes in %s' % project, len(volumes),
                            _names(v.name for v in volumes)),
            report.Leftover('API', 'snapshots in %s' % project,
                            len(snapshots),
                            _names(s.name for s in snapshots)),
            report.Leftover('simulator', 'records in %s' % project,
                            len(stored),
                            _names(r.get('name', '?') for r in stored)),
        ]
    return found


def _names(names, most=3):
    names = list(names)
    text = ', '.join(names[:most])
    if len(names) > most:
        text += ' and %d more' % (len(names) - most)
    return text
