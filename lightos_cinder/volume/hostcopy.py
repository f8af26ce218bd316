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

"""Clones into another LightOS project, copied through this host."""

import time
import uuid

from cinder import context as cinder_context
from cinder import exception as cinder_exception
from cinder import objects
from cinder import utils as cinder_utils
from cinder.volume import volume_utils
from os_brick.initiator.connectors import lightos as brick_lightos
from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import strutils
from oslo_utils import units

from lightos_cinder.volume import naming
from lightos_cinder.volume import owners
from lightos_cinder.volume import specs

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# The temporary source volume of a copy from a snapshot gets an id derived
# from the new volume's, so a retried copy adopts it instead of making
# another.
_TEMPORARY_NAMESPACE = uuid.UUID('6b1f3c2e-9d4a-4e57-8a60-2f5c1d7e9b84')


# Smallest block of a copy through this host (see copy_data).
COPY_BLOCK = 16 * units.Mi


def temporary_volume_id(volume):
    """Id (and so ``volume-<id>`` name) of a copy's temporary source."""
    return str(uuid.uuid5(_TEMPORARY_NAMESPACE, volume.id))


def copy_data(source, target, size_gb, blocksize):
    """Copy ``size_gb`` GiB from device ``source`` to device ``target``.

    dd with direct I/O (Cinder's ``copy_volume``), in blocks of
    ``blocksize`` (``volume_dd_blocksize``) but at least COPY_BLOCK: with
    Cinder's 1 MiB default, dd's per-block system calls and the small
    direct I/Os cost about half of the devices' throughput. A new LightOS
    volume reads as zeros, so zero blocks are not written (and stay
    unallocated on the thin volume).
    """
    try:
        configured = strutils.string_to_bytes('%sB' % blocksize)
    except ValueError:
        configured = 0
    volume_utils.copy_volume(source, target, size_gb * units.Ki,
                             '%dM' % (max(configured, COPY_BLOCK) //
                                      units.Mi),
                             sync=True, sparse=True)


class HostCopy(object):
    """Volumes made from a source in another LightOS project.

    A LightOS clone always lands in its source's project. When the new
    volume's type names another project, the volume is made the way
    Cinder's generic path makes one: an empty volume in its own project,
    then source and target attached to this host through os-brick's LightOS
    connector (as ``BaseVD._attach_volume`` does for Cinder's own copies)
    and copied with ``volume_utils.copy_volume`` (dd). A snapshot is first
    cloned into a temporary volume in its own project, which is the copy's
    source and is removed afterwards. Whatever fails, the new volume and the
    temporary one are removed.

    ``attach(context, volume, properties)`` and ``detach(context,
    attach_info, volume, properties, force=...)`` are the driver's
    ``_attach_volume`` and ``_detach_volume``.
    """

    def __init__(self, conf, volumes, snapshots, attach, detach, host):
        self._conf = conf
        self._volumes = volumes
        self._snapshots = snapshots
        self._attach = attach
        self._detach = detach
        self._host = host

    def host_properties(self):
        """The connector properties this host attaches with.

        Only the LightOS connector's: the copy attaches LightOS volumes only,
        and the other protocols' probes (iSCSI, FC, NVMe host ids) would run
        commands as root for nothing.
        """
        connector = brick_lightos.LightOSConnector
        properties = dict(connector.get_connector_properties(
            cinder_utils.get_root_helper()))
        properties.update(host=self._host, ip=CONF.my_ip, multipath=False,
                          enforce_multipath=False)
        return properties

    # Entry points

    def clone(self, volume, src_vref, spec, source_project):
        """Make ``volume`` (in ``spec.project``) a copy of ``src_vref``."""
        self._volumes.require(src_vref)
        LOG.info('Cinder volume %(id)s is a clone of volume %(src)s, which '
                 'is in LightOS project %(source)s, but its volume type '
                 'names project %(target)s; LightOS clones stay in their '
                 'source\'s project, so the data is copied through this '
                 'host.', {'id': volume.id, 'src': src_vref.id,
                           'source': source_project, 'target': spec.project})
        return self._copy_into(volume, spec, src_vref, src_vref.size,
                               'volume %s' % src_vref.id)

    def from_snapshot(self, volume, snapshot, spec, source_project):
        """Make ``volume`` (in ``spec.project``) a copy of ``snapshot``."""
        temporary = self._temporary(volume, snapshot, source_project)
        # An earlier attempt that died may have left it, perhaps still open
        # to a host: start again from a fresh clone.
        self._volumes.delete_volume(temporary)
        LOG.info('Cinder volume %(id)s is created from snapshot %(snap)s, '
                 'which is in LightOS project %(source)s, but its volume '
                 'type names project %(target)s; LightOS clones stay in '
                 'their source\'s project, so the snapshot is cloned into '
                 'temporary volume %(tmp)s there and copied through this '
                 'host.', {'id': volume.id, 'snap': snapshot.id,
                           'source': source_project, 'target': spec.project,
                           'tmp': naming.volume_name(temporary)})
        update = self._snapshots.clone_snapshot(
            temporary, snapshot, self._volumes.spec_of(temporary),
            source_project)
        temporary.provider_id = update['provider_id']
        try:
            result = self._copy_into(volume, spec, temporary,
                                     snapshot.volume_size,
                                     'snapshot %s' % snapshot.id)
        except Exception:
            with excutils.save_and_reraise_exception():
                self._remove(temporary, 'the temporary source of Cinder '
                                        'volume %s' % volume.id)
        try:
            self._volumes.delete_volume(temporary)
        except Exception:
            # The new volume is complete; only the temporary one is left.
            LOG.exception('Cinder volume %(id)s was copied, but its temporary '
                          'source, LightOS volume %(name)s in project '
                          '%(project)s, could not be removed; delete it on '
                          'the cluster.', {
                              'id': volume.id,
                              'name': naming.volume_name(temporary),
                              'project': source_project})
        return result

    def remove_leftover(self, volume, project):
        """Remove the temporary source a copy into ``volume`` left behind.

        A copy that cinder-volume did not live to finish leaves it in the
        snapshot's project. Its name derives from the volume's id and its
        project is the snapshot's volume's, which Cinder's row of the
        volume (snapshot_id) leads to, so nothing else need be recorded.
        """
        snapshot = owners.source_snapshot(volume)
        if snapshot is None:
            return
        source_project = naming.location_of(snapshot.volume).project
        if source_project != project:
            self._volumes.delete_volume(
                self._temporary(volume, snapshot, source_project))

    # Parts of a copy

    def _temporary(self, volume, snapshot, source_project):
        """An unsaved Cinder volume standing for the snapshot's clone.

        Its type is the source volume's, pinned to the source project, so
        the clone is made there with the source's replicas and compression.
        """
        temporary_id = temporary_volume_id(volume)
        extra_specs = dict(specs.extra_specs_of(snapshot.volume))
        extra_specs[specs.PROJECT_NAME] = source_project
        # In memory only, like the volume: nothing is saved to Cinder's
        # database.
        volume_type = objects.VolumeType(
            id=snapshot.volume.get('volume_type_id') or temporary_id,
            name='copy source', extra_specs=extra_specs, qos_specs_id=None)
        return objects.Volume(
            id=temporary_id, _name_id=None, size=snapshot.volume_size,
            volume_type_id=volume_type.id, volume_type=volume_type,
            provider_id=None,
            encryption_key_id=volume.encryption_key_id, multiattach=False,
            volume_attachment=objects.VolumeAttachmentList(objects=[]),
            display_name='copy source of %s' % volume.id, status='creating')

    def _copy_into(self, volume, spec, source, size_gb, what):
        update = self._volumes.create_volume(volume)
        started = time.monotonic()
        try:
            self._copy(source, volume, size_gb)
        except Exception as exc:
            LOG.error('Copying %(what)s into Cinder volume %(id)s (LightOS '
                      'project %(project)s) failed; removing the new '
                      'volume.', {'what': what, 'id': volume.id,
                                  'project': spec.project})
            self._remove(volume, 'Cinder volume %s' % volume.id)
            raise cinder_exception.VolumeBackendAPIException(
                message='Cannot copy %s into Cinder volume %s (LightOS '
                        'project %s) through this host: %s. A copy across '
                        'LightOS projects attaches both volumes to the '
                        'cinder-volume host, which needs NVMe/TCP and the '
                        'LightOS discovery-client; a volume type of the '
                        'source\'s project avoids the copy.' % (
                            what, volume.id, spec.project, exc)) from exc
        LOG.info('Copied %(size)d GiB of %(what)s into Cinder volume %(id)s '
                 '(LightOS project %(project)s) in %(took).1f s.',
                 {'size': size_gb, 'what': what, 'id': volume.id,
                  'project': spec.project,
                  'took': time.monotonic() - started})
        return update

    def _copy(self, source, target, size_gb):
        ctxt = cinder_context.get_admin_context()
        properties = self.host_properties()
        source_info, _ = self._attach(ctxt, source, properties)
        try:
            target_info, _ = self._attach(ctxt, target, properties)
            try:
                copy_data(source_info['device']['path'],
                          target_info['device']['path'], size_gb,
                          self._conf.volume_dd_blocksize)
            finally:
                self._detach(ctxt, target_info, target, properties,
                             force=True)
        finally:
            self._detach(ctxt, source_info, source, properties, force=True)

    def _remove(self, volume, what):
        """Delete a volume after a failure; never mask the failure."""
        try:
            self._volumes.delete_volume(volume)
        except Exception:
            LOG.exception('Could not remove LightOS volume %(name)s '
                          '(%(what)s) after a failed copy; delete it on the '
                          'cluster.',
                          {'name': naming.volume_name(volume), 'what': what})
