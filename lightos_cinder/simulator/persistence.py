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

"""Saving and restoring a simulated cluster (the --state-file)."""

from lightos_cinder.simulator import records

# A restart finishes what was under way: these states end as the second.
_FINISHED = {'Creating': 'Available', 'Updating': 'Available',
             'Rollback': 'Available'}


def dump(cluster):
    """The cluster's state as JSON-serialisable data."""
    with cluster.lock:
        return {
            'uuid': cluster.uuid,
            'etag': cluster.etag,
            'nodes': [records.as_dict(node) for node in cluster.nodes],
            'projects': [{
                'uuid': project.uuid, 'name': project.name,
                'description': project.description,
                'volumes': [records.as_dict(vol) for vol in
                            project.volumes.values()],
                'snapshots': [records.as_dict(snap) for snap in
                              project.snapshots.values()],
            } for project in cluster.projects.values()],
            'policies': [records.as_dict(policy)
                         for policy in cluster.policies.values()],
            'credentials': [records.as_dict(cred) for cred in
                            cluster.credentials.values()],
        }


def _project(saved):
    project = records.Project(uuid=saved['uuid'], name=saved['name'],
                              description=saved['description'])
    for data in saved['volumes']:
        vol = records.Volume(**data)
        if vol.state == 'Deleting':
            continue  # its deletion completes now
        if vol.state in _FINISHED:
            vol.state = _FINISHED[vol.state]
            vol.protection_state = 'FullyProtected'
        project.volumes[vol.uuid] = vol
    for data in saved['snapshots']:
        snap = records.Snapshot(**data)
        if snap.state == 'Deleting':
            continue
        snap.state = _FINISHED.get(snap.state, snap.state)
        project.snapshots[snap.uuid] = snap
    return project


def load(cluster, data):
    """Restore a saved cluster; unfinished transitions complete now."""
    cluster.restore(
        cluster_uuid=data['uuid'], etag=data.get('etag'),
        node_states=data.get('nodes', ()),
        projects=[_project(saved) for saved in data.get('projects', ())],
        policies=[records.QosPolicy(**saved)
                  for saved in data.get('policies', ())],
        credentials=[records.Credential(**saved)
                     for saved in data.get('credentials', ())])
