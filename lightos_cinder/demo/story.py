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

"""The multi-tenancy story, told through cinder-api's volume API."""

from cinder import exception as cinder_exception
from cinder import objects
from cinder.objects import fields
from cinder.policies import attachments as attachment_policy
from cinder.volume import volume_types
from oslo_utils import strutils

from lightos_cinder.demo import cast
from lightos_cinder.demo import progress as progress_mod
from lightos_cinder.demo import report

GIB = report.GIB


def _spec_bool(value):
    return strutils.bool_from_string(
        str(value).replace('<is>', '').strip())


class Story:
    """Creates, attaches, snapshots, clones, extends and deletes volumes.

    Every request goes through cinder-api's volume API with the tenant's
    (or nova's) request context; the API reaches cinder-scheduler and
    cinder-volume through Cinder's RPC API classes. After each step the
    resulting Cinder status is checked and the cluster's state is shown.
    """

    def __init__(self, cinder, cluster, progress, backend_name, log_file):
        self._cinder = cinder
        self._api = cinder.api
        self._cluster = cluster
        self._progress = progress
        self._backend_name = backend_name
        self._log_file = log_file
        self._types = {}
        self._volumes = {}
        self._snapshots = {}
        self._attachments = {}

    # Contexts -------------------------------------------------------------

    def _tenant(self, project):
        return next(t for t in cast.TENANTS if t.project == project)

    def _user(self, project):
        return self._cinder.user_context(project, self._tenant(project).user)

    def _nova(self, project):
        # Nova sends the user's token plus its own service token.
        return self._cinder.user_context(
            project, self._tenant(project).user, service_token=True)

    # Helpers --------------------------------------------------------------

    def _expect(self, resource, status, what):
        if resource.status != status:
            raise progress_mod.StepFailed(
                '%s is %s in Cinder, expected %s; the reason is in %s'
                % (what, resource.status, status, self._log_file))

    def _volume(self, label):
        project, _, _ = label.partition('/')
        return objects.Volume.get_by_id(self._user(project),
                                        self._volumes[label])

    def _snapshot(self, label):
        project, _, _ = label.partition('/')
        return objects.Snapshot.get_by_id(self._user(project),
                                          self._snapshots[label])

    def _cluster_volume(self, volume, project):
        found = self._cluster.find_volume(project, volume.name)
        if found is None:
            raise progress_mod.StepFailed(
                'volume %s (%s) is not on the cluster in project %s'
                % (volume.display_name, volume.name, project))
        return found

    def _describe(self, found):
        return '%s/%s: %d replica%s, %s, %s, ACL %s' % (
            found.project, report.short_name(found.name),
            found.replica_count,
            '' if found.replica_count == 1 else 's',
            'compressed' if found.compression else 'uncompressed',
            report.format_size(found.size),
            ','.join(self._cluster.acl_labels(found)) or 'ALLOW_NONE')

    def _project_of(self, volume):
        return volume.volume_type.extra_specs['lightos:project_name']

    # Steps ----------------------------------------------------------------

    def create_types(self):
        self._progress.section('Volume types (private, one set per tenant)')
        admin = self._cinder.admin_context()
        rows = []
        for tenant in cast.TENANTS:
            for tier in cast.TIERS:
                name = tier.type_name(tenant.project)
                created = volume_types.create(
                    admin, name,
                    tier.extra_specs(self._backend_name, tenant.project),
                    is_public=False, projects=[tenant.project],
                    description='%s tier of %s' % (tier.name, tenant.project))
                self._types[name] = created['id']
                rows.append([name, tenant.project, str(tier.replicas),
                             '<is> %s' % tier.compression,
                             '<is> True' if tier.multiattach else '-'])
        self._progress.block(report.format_table(
            ['volume type', 'lightos:project_name', 'lightos:num_replicas',
             'compression', 'multiattach'], rows))
        self._progress.say('    (all with volume_backend_name=%s, visible '
                           'only to their tenant)' % self._backend_name)

    def _create(self, project, name, size, volume_type, **source):
        ctxt = self._user(project)
        vtype = objects.VolumeType.get_by_name_or_id(
            ctxt, self._types[volume_type])
        with self._progress.step('%s: create %s (%s, %d GiB%s)' % (
                project, name, volume_type, size,
                ', from %s' % source['via'] if source else '')) as step:
            created = self._api.create(
                ctxt, size, name, None, volume_type=vtype,
                snapshot=source.get('snapshot'),
                source_volume=source.get('source_volume'))
            volume = objects.Volume.get_by_id(ctxt, created.id)
            self._expect(volume, 'available', 'volume %s' % name)
            found = self._cluster_volume(volume, self._project_of(volume))
            step.result = 'available; cluster ' + self._describe(found)
        self._volumes['%s/%s' % (project, name)] = volume.id

    def create_volumes(self):
        self._progress.section('Create one volume per tier and tenant')
        for tenant in cast.TENANTS:
            for tier in cast.TIERS:
                self._create(tenant.project, '%s-1' % tier.name, 1,
                             tier.type_name(tenant.project))

    def _attach(self, label, host):
        project = label.partition('/')[0]
        nova = self._nova(project)
        with self._progress.step('%s: attach %s to server %s on %s' % (
                project, label.partition('/')[2], cast.SERVER_UUID[:8],
                host.name)) as step:
            attachment = self._api.attachment_create(
                nova, self._volume(label), cast.SERVER_UUID,
                connector=host.connector())
            self._complete(nova, attachment)
            volume = self._volume(label)
            self._expect(volume, 'in-use', 'volume %s' % label)
            info = attachment.connection_info
            # The attachment keeps the driver's connection data flattened.
            targets = info.get('lightos_nodes') or {}
            found = self._cluster_volume(volume, self._project_of(volume))
            step.result = ('in-use, %s connection via %d discovery target%s;'
                           ' cluster ACL %s' % (
                               info.get('driver_volume_type'), len(targets),
                               '' if len(targets) == 1 else 's',
                               ','.join(self._cluster.acl_labels(found)) or
                               'ALLOW_NONE'))
        self._attachments[(label, host.name)] = attachment.id

    @staticmethod
    def _complete(ctxt, attachment):
        """What cinder-api's os-complete action does once nova connected."""
        ctxt.authorize(attachment_policy.COMPLETE_POLICY,
                       target_obj=attachment)
        attachment.update(
            {'attach_status': fields.VolumeAttachStatus.ATTACHED})
        attachment.save()
        volume = objects.Volume.get_by_id(ctxt, attachment.volume_id)
        volume.update({'status': 'in-use',
                       'attach_status': fields.VolumeAttachStatus.ATTACHED})
        volume.save()

    def _detach(self, label, host):
        project = label.partition('/')[0]
        nova = self._nova(project)
        with self._progress.step('%s: detach %s from %s' % (
                project, label.partition('/')[2], host.name)) as step:
            attachment = objects.VolumeAttachment.get_by_id(
                nova, self._attachments.pop((label, host.name)))
            self._api.attachment_delete(nova, attachment)
            volume = self._volume(label)
            expected = 'in-use' if volume.volume_attachment else 'available'
            self._expect(volume, expected, 'volume %s' % label)
            found = self._cluster_volume(volume, self._project_of(volume))
            step.result = '%s; cluster ACL %s' % (
                volume.status,
                ','.join(self._cluster.acl_labels(found)) or 'ALLOW_NONE')

    def live_migrate(self):
        self._progress.section(
            'Multi-attach: a server live-migrates from compute-1 to '
            'compute-2')
        first, second = cast.COMPUTE_HOSTS
        self._attach('tenant-a/gold-1', first)
        self._attach('tenant-a/gold-1', second)

    def snapshot_clone_extend(self):
        self._progress.section('Snapshot, volume from snapshot, clone, '
                               'extend')
        ctxt = self._user('tenant-a')
        with self._progress.step('tenant-a: snapshot silver-1') as step:
            created = self._api.create_snapshot(
                ctxt, self._volume('tenant-a/silver-1'), 'silver-1-snap',
                None)
            snapshot = objects.Snapshot.get_by_id(ctxt, created.id)
            self._expect(snapshot, 'available', 'snapshot silver-1-snap')
            step.result = 'available'
        self._snapshots['tenant-a/silver-1-snap'] = snapshot.id
        self._create('tenant-a', 'silver-1-restore', 1, 'tenant-a-silver',
                     snapshot=snapshot, via='snapshot silver-1-snap')
        self._create('tenant-b', 'gold-1-clone', 1, 'tenant-b-gold',
                     source_volume=self._volume('tenant-b/gold-1'),
                     via='volume gold-1')
        ctxt = self._user('tenant-b')
        with self._progress.step('tenant-b: extend silver-1 to 2 GiB') as step:
            self._api.extend(ctxt, self._volume('tenant-b/silver-1'), 2)
            volume = self._volume('tenant-b/silver-1')
            self._expect(volume, 'available', 'volume silver-1')
            found = self._cluster_volume(volume, 'tenant-b')
            step.result = 'available, %d GiB; cluster %s' % (
                volume.size, report.format_size(found.size))

    def compare(self):
        """Rows of Cinder's view next to the cluster's, one per resource."""
        rows = []
        seen = set()
        for label, volume_id in sorted(self._volumes.items()):
            volume = self._volume(label)
            project = self._project_of(volume)
            found = self._cluster.find_volume(project, volume.name)
            if found is not None:
                seen.add(found.uuid)
            rows.append(report.Row(
                'volume', self._volume_view(volume),
                found and self._cluster.volume_view(found)))
        for label in sorted(self._snapshots):
            snapshot = self._snapshot(label)
            source = snapshot.volume
            project = self._project_of(source)
            found = self._cluster.find_snapshot(project, snapshot.name)
            if found is not None:
                seen.add(found.uuid)
            specs = source.volume_type.extra_specs
            rows.append(report.Row(
                'snapshot',
                report.View(
                    name=snapshot.display_name, project=project,
                    replicas=int(specs['lightos:num_replicas']),
                    compression=_spec_bool(specs['compression']),
                    size_bytes=snapshot.volume_size * GIB),
                found and self._cluster.snapshot_view(found)))
        for found in self._cluster.volumes():
            if found.uuid not in seen:
                rows.append(report.Row(
                    'volume', None, self._cluster.volume_view(found)))
        for found in self._cluster.snapshots():
            if found.uuid not in seen:
                rows.append(report.Row(
                    'snapshot', None, self._cluster.snapshot_view(found)))
        return rows

    def _volume_view(self, volume):
        specs = volume.volume_type.extra_specs
        hosts = sorted(a.connector['host'] for a in volume.volume_attachment
                       if a.connector)
        return report.View(
            name=volume.display_name,
            project=specs['lightos:project_name'],
            replicas=int(specs['lightos:num_replicas']),
            compression=_spec_bool(specs['compression']),
            size_bytes=volume.size * GIB, acl=tuple(hosts))

    def detach(self):
        self._progress.section('Detach: the migration completes, then the '
                               'server lets go')
        first, second = cast.COMPUTE_HOSTS
        self._detach('tenant-a/gold-1', first)
        self._detach('tenant-a/gold-1', second)

    def delete_all(self):
        self._progress.section('Delete everything')
        # Volumes made from a snapshot or a volume go before their source.
        order = ['tenant-a/silver-1-restore', 'tenant-b/gold-1-clone']
        for label in order:
            self._delete_volume(label)
        for label in list(self._snapshots):
            project, _, name = label.partition('/')
            with self._progress.step('%s: delete snapshot %s' % (
                    project, name)) as step:
                self._api.delete_snapshot(self._user(project),
                                          self._snapshot(label))
                self._expect_gone(objects.Snapshot, self._snapshots.pop(
                    label), project, 'snapshot %s' % name)
                step.result = 'deleted'
        for label in sorted(self._volumes):
            self._delete_volume(label)
        admin = self._cinder.admin_context()
        with self._progress.step('delete the volume types') as step:
            for name in list(self._types):
                volume_types.destroy(admin, self._types.pop(name))
            step.result = 'deleted'

    def _delete_volume(self, label):
        project, _, name = label.partition('/')
        with self._progress.step('%s: delete %s' % (project, name)) as step:
            volume = self._volume(label)
            cluster_project = self._project_of(volume)
            self._api.delete(self._user(project), volume)
            self._expect_gone(objects.Volume, self._volumes.pop(label),
                              project, 'volume %s' % name)
            if self._cluster.find_volume(cluster_project, volume.name):
                raise progress_mod.StepFailed(
                    'volume %s is still on the cluster' % volume.name)
            step.result = 'deleted in Cinder and on the cluster'

    def _expect_gone(self, cls, resource_id, project, what):
        try:
            resource = cls.get_by_id(self._user(project), resource_id)
        except (cinder_exception.VolumeNotFound,
                cinder_exception.SnapshotNotFound):
            return
        raise progress_mod.StepFailed(
            '%s is %s in Cinder after deletion; the reason is in %s'
            % (what, resource.status, self._log_file))
