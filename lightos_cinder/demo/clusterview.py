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

"""The cluster's side of the story, read through the LightOS REST API."""

from lightos_cinder.api import models
from lightos_cinder.demo import report


class ClusterView:
    """Reads volumes and snapshots of the demo's Lightbits projects.

    ``host_labels`` maps host NQNs to the compute host names shown in the
    tables, so an ACL reads ``compute-1,compute-2``; NQNs nobody knows
    are shown as they are.
    """

    def __init__(self, client, projects, host_labels):
        self._client = client
        self.projects = tuple(projects)
        self._host_labels = dict(host_labels)

    def volumes_of(self, project):
        return self._client.list_volumes(project)

    def snapshots_of(self, project):
        return self._client.list_snapshots(project)

    def volumes(self):
        return [volume for project in self.projects
                for volume in self.volumes_of(project)]

    def snapshots(self):
        return [snapshot for project in self.projects
                for snapshot in self.snapshots_of(project)]

    def find_volume(self, project, name):
        return self._client.find_volume(project, name)

    def find_snapshot(self, project, name):
        return self._client.find_snapshot(project, name)

    def acl_labels(self, volume):
        """The volume's host ACL as sorted labels; empty for ALLOW_NONE."""
        return tuple(sorted(self._host_labels.get(entry, entry)
                            for entry in volume.acl
                            if entry != models.ALLOW_NONE))

    def volume_view(self, volume):
        return report.View(
            name=volume.name, project=volume.project,
            replicas=volume.replica_count, compression=volume.compression,
            size_bytes=volume.size, acl=self.acl_labels(volume))

    @staticmethod
    def snapshot_view(snapshot):
        return report.View(
            name=snapshot.name, project=snapshot.project,
            replicas=snapshot.replica_count,
            compression=snapshot.compression, size_bytes=snapshot.size)
