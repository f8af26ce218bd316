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

"""Volumes made from a snapshot or a volume: cloned, or copied by the host."""

from lightos_cinder.volume import naming


class Clones(object):
    """New volumes from a source, the way the LightOS projects allow.

    A source in the new volume's project is cloned by the cluster
    (:class:`~lightos_cinder.volume.snapshots.Snapshots`); one in another
    project is copied through this host
    (:class:`~lightos_cinder.volume.hostcopy.HostCopy`). Deleting a volume
    also removes what an interrupted clone or copy into it left.
    """

    def __init__(self, volumes, snapshots, host_copy):
        self._volumes = volumes
        self._snapshots = snapshots
        self._host_copy = host_copy

    def create_volume_from_snapshot(self, volume, snapshot):
        spec = self._volumes.spec_of(volume)
        source_project = naming.location_of(snapshot.volume).project
        if spec.project != source_project:
            return self._host_copy.from_snapshot(volume, snapshot, spec,
                                                 source_project)
        return self._snapshots.clone_snapshot(volume, snapshot, spec,
                                              source_project)

    def create_cloned_volume(self, volume, src_vref):
        spec = self._volumes.spec_of(volume)
        location, source = self._volumes.require(src_vref)
        if spec.project != location.project:
            return self._host_copy.clone(volume, src_vref, spec,
                                         location.project)
        return self._snapshots.clone_volume(volume, src_vref, spec, location,
                                            source)

    def delete_volume(self, volume):
        location, found = self._volumes.lookup(volume)
        self._snapshots.remove_clone_leftover(volume, location.project, found)
        self._host_copy.remove_leftover(volume, location.project)
        self._volumes.delete_found(volume, location, found)
