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

"""Retype in place and migration between backends of one cluster."""

from oslo_log import log as logging

from lightos_cinder.volume import clusterops
from lightos_cinder.volume import qos
from lightos_cinder.volume import specs

LOG = logging.getLogger(__name__)

LOCATION_PREFIX = 'LightOSVolumeDriver'


class RetypeManager(object):
    """Changes what LightOS can change on a live volume; refuses the rest."""

    def __init__(self, conf, client, volumes, ops, cluster, translator):
        self._conf = conf
        self._client = client
        self._volumes = volumes
        self._ops = ops
        self._cluster = cluster
        self._translated = translator.translated

    @property
    def location_info(self):
        """``LightOSVolumeDriver:<cluster UUID>``: same cluster, same value.

        Backends reporting the same value share a cluster, so a volume moves
        between them without copying data.
        """
        info = self._cluster.info
        return '%s:%s' % (LOCATION_PREFIX, info.uuid if info else 'unknown')

    def _wanted_policy(self, volume, diff, spec):
        with self._translated('list the QoS policies', volume_id=volume.id):
            return qos.policy_of(volume.id, spec,
                                 specs.new_specs(diff.get('qos_specs')),
                                 self._client.list_qos_policies,
                                 whose='the new type')

    def retype(self, volume, diff):
        """True when the volume now matches the new type, else False.

        Replica count and project are fixed when a volume is created (a
        migration copies the data); QoS policy and compression change in
        place. A new type without a QoS policy leaves a volume that has one
        to migration: an update cannot reset it to the project default.
        """
        diff = diff or {}
        if specs.changed_specs(diff.get('encryption')):
            return False
        changed = specs.changed_specs(diff.get('extra_specs'))
        qos_changed = specs.changed_specs(diff.get('qos_specs'))
        if not changed and not qos_changed:
            return True
        spec = specs.from_config(self._conf,
                                 specs.new_specs(diff.get('extra_specs')),
                                 self._cluster.max_replicas)
        policy = self._wanted_policy(volume, diff, spec)
        location, found = self._volumes.require(volume)
        moved = []
        if spec.project != location.project:
            moved.append('project %s -> %s' % (location.project,
                                               spec.project))
        if spec.replicas != found.replica_count:
            moved.append('replicas %d -> %d' % (found.replica_count,
                                                spec.replicas))
        if policy is None and found.qos_policy_uuid and (
                specs.QOS_POLICY in changed or qos_changed):
            moved.append('QoS policy %s -> project default'
                         % found.qos_policy_uuid)
        if moved:
            LOG.info('Cinder volume %(id)s needs migration to change '
                     '%(what)s.', {'id': volume.id,
                                   'what': ', '.join(moved)})
            return False

        def change(current):
            wanted = {}
            if policy and current.qos_policy_uuid.lower() != policy:
                wanted['qos_policy_uuid'] = policy
            if current.compression != spec.compression:
                wanted['compression'] = spec.compression
            return wanted
        with self._translated('retype the volume', volume_id=volume.id,
                              project=location.project, uuid=found.uuid):
            self._ops.update_volume(
                location.project, found.uuid, change,
                'retype of %s' % clusterops.describe(location.project,
                                                     found.uuid),
                known=found)
        LOG.info('Retyped Cinder volume %(id)s in place (LightOS volume '
                 '%(uuid)s, project %(project)s): QoS policy %(policy)s, '
                 'compression %(comp)s.',
                 {'id': volume.id, 'uuid': found.uuid,
                  'project': location.project,
                  'policy': policy or found.qos_policy_uuid or 'default',
                  'comp': spec.compression})
        return True

    def migrate_volume(self, volume, host):
        """Move a volume to another backend of this cluster without a copy.

        Cinder only asks when the source and destination types differ in
        the backend name (and availability zone) alone, so the volume
        already is what the destination would create.
        """
        capabilities = (host or {}).get('capabilities') or {}
        destination = capabilities.get('location_info')
        if destination != self.location_info:
            LOG.info('Cinder volume %(id)s moves to %(host)s by a copy: its '
                     'location %(dest)s is not this cluster (%(here)s).',
                     {'id': volume.id, 'host': (host or {}).get('host'),
                      'dest': destination, 'here': self.location_info})
            return False, None
        location, found = self._volumes.require(volume)
        LOG.info('Cinder volume %(id)s moves to %(host)s on the same LightOS '
                 'cluster; LightOS volume %(uuid)s (project %(project)s) '
                 'stays as it is.', {'id': volume.id, 'host': host.get('host'),
                                     'uuid': found.uuid,
                                     'project': location.project})
        return True, {'provider_id': location.provider_id}
