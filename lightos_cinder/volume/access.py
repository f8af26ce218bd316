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

"""Host access to volumes: NVMe ACL and IP-ACL on attach and detach."""

from cinder import exception as cinder_exception
from oslo_log import log as logging
from oslo_utils import excutils

from lightos_cinder.api import budget
from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from lightos_cinder.volume import acl
from lightos_cinder.volume import attachments as attachments_module
from lightos_cinder.volume import clusterops
from lightos_cinder.volume import grants as grants_module
from lightos_cinder.volume import locks
from lightos_cinder.volume import naming

LOG = logging.getLogger(__name__)

# Failures of a request that a later attempt may not meet.
_PASSING = (exception.ServerError, exception.ServiceUnavailable,
            exception.LightOSConnectionError)

DRIVER_VOLUME_TYPE = 'lightos'

# Attach and detach of one volume are serialised across threads, processes
# and (with a distributed coordination backend) cinder-volume services; the
# If-Match retry in ClusterOps.update_volume covers everything else that
# changes the volume.
_LOCK = 'lightos-access-{volume.id}'
# cinder-api holds this lock (the name is that of Cinder's volume API
# attachment_update) from before the driver grants a host access until the
# volume manager has stored the new attachment's connector. A detach that
# takes it first never misses a same-host attachment just granted access.
# It is taken before _LOCK, in the order attachment_update takes both.
_ATTACHMENT_UPDATE_LOCK = 'attachment_update-{volume.id}-{host}'


def _revoking(nqn):
    return 'revoke host %s access' % nqn


class AccessManager(object):
    """initialize_connection / terminate_connection for the driver."""

    def __init__(self, conf, cluster, volumes, ops, translator,
                 read_attachments=attachments_module.from_volume,
                 ledger=None, grants=None, service=None,
                 read_volume=lambda volume: volume):
        self._conf = conf
        self._cluster = cluster
        self._volumes = volumes
        self._ops = ops
        self._translator = translator
        # Inside cinder-volume: a fresh read of Cinder's database, taken
        # under the volume lock (the caller's copy may predate the wait).
        self._read_attachments = read_attachments
        self._read_volume = read_volume
        self._ledger = ledger or attachments_module.DetachLedger()
        # Grants are recorded before they are made; ``service`` (this
        # cinder-volume's host) tells this service's records at start-up.
        self._grants = grants or grants_module.MemoryGrants()
        self._service = service

    def _check_connector(self, connector):
        missing = []
        if not connector.get('nqn'):
            missing.append('nqn (the host NQN: install nvme-cli so that '
                           '/etc/nvme/hostnqn exists)')
        if not connector.get('found_dsc'):
            missing.append('found_dsc (the LightOS discovery-client must '
                           'run on the host and answer on port 6060)')
        if self._conf.lightos_use_ipacl and not connector.get('host_ips'):
            missing.append('host_ips (no non-loopback address found on the '
                           'host; needed while lightos_use_ipacl is True)')
        if missing:
            raise cinder_exception.InvalidConnectorException(
                missing='; '.join(missing))

    def _translated(self, action, volume, location, found):
        """Client errors of ``action`` on the volume as Cinder exceptions."""
        return self._translator.translated(
            action, volume_id=volume.id, project=location.project,
            uuid=found.uuid, name=found.name)

    def _cinder_error(self, exc, action, volume, location, found):
        """The Cinder exception ``_translated`` would raise for ``exc``."""
        return self._translator.cinder_error(
            exc, action, volume_id=volume.id, project=location.project,
            uuid=found.uuid, name=found.name)

    def _apply(self, location, found, change, action, known=True):
        """Apply ``change``, starting from ``found`` when ``known``.

        Client errors come out as they are, for the caller to decide on.
        """
        return self._ops.update_volume(
            location.project, found.uuid, change,
            '%s on %s' % (action, clusterops.describe(
                location.project, found.uuid, found.name)),
            known=found if known else None)

    @locks.synchronized(_LOCK)
    def initialize_connection(self, volume, connector):
        self._check_connector(connector)
        nqn = connector['nqn']
        host_ips = list(connector.get('host_ips') or ())
        use_ipacl = self._conf.lightos_use_ipacl
        location, found = self._volumes.require(volume)
        self._grants.record(volume.id, self._service, connector)
        action = 'grant host %s access' % nqn
        outcome = {}

        def change(current):
            outcome.pop('full', None)
            new_acl = acl.grant_host(current.acl, nqn)
            if use_ipacl:
                ip_change = acl.grant_ips(current.ip_acl, host_ips)
                outcome['ip'] = ip_change
                new_ip_acl = ip_change.values
            else:
                new_ip_acl = acl.ANY_ACCESS
            if use_ipacl and not acl.allows_any_ip(new_ip_acl, host_ips):
                # Ends the update; refused below, so that only the
                # cluster's errors come out of the update.
                outcome['full'] = current
                return None
            if (new_acl == tuple(current.acl) and
                    new_ip_acl == tuple(current.ip_acl)):
                return None
            return {'acl': new_acl, 'ip_acl': new_ip_acl}

        with self._translated(action, volume, location, found):
            try:
                updated = self._apply(location, found, change, action)
            except exception.LightOSError:
                with excutils.save_and_reraise_exception():
                    self._withdraw_grant(volume, connector, location, found)
        full = outcome.get('full')
        if full is not None:
            self._withdraw_grant(volume, connector, location, found)
            raise cinder_exception.VolumeBackendAPIException(
                message='Cannot attach Cinder volume %s (LightOS volume %s, '
                        'project %s) to host %s: its IP-ACL is full (%d '
                        'entries, held by other hosts) and none of the '
                        'addresses %s fits.' % (
                            volume.id, full.uuid, location.project, nqn,
                            acl.MAX_IP_ACL_ENTRIES, host_ips))
        ip_change = outcome.get('ip')
        if ip_change is not None and (ip_change.dropped or ip_change.invalid):
            LOG.warning('IP-ACL of LightOS volume %(uuid)s (project '
                        '%(project)s, Cinder volume %(id)s) is limited to '
                        '%(max)d entries: left out %(dropped)s, ignored '
                        'invalid %(invalid)s.',
                        {'uuid': updated.uuid, 'project': location.project,
                         'id': volume.id, 'max': acl.MAX_IP_ACL_ENTRIES,
                         'dropped': list(ip_change.dropped) or 'none',
                         'invalid': list(ip_change.invalid) or 'none'})
        LOG.info('Host %(nqn)s may access LightOS volume %(uuid)s (project '
                 '%(project)s) of Cinder volume %(id)s.',
                 {'nqn': nqn, 'uuid': updated.uuid,
                  'project': location.project, 'id': volume.id})
        return {'driver_volume_type': DRIVER_VOLUME_TYPE,
                'data': {'lightos_nodes': self._cluster.targets(),
                         'uuid': updated.uuid,
                         'subsysnqn': self._cluster.subsystem_nqn,
                         'discard': True}}

    def _withdraw_grant(self, volume, connector, location, found):
        """Undo a grant that may have reached the cluster before a failure.

        Cinder stores no connector for an attachment whose update failed,
        and deleting such an attachment never calls the driver: access
        granted here (the PUT applied, its confirming read failed) would
        stay for good. The failure is often a burst of server errors, so
        the withdrawal is tried again across one, within the operation's
        bound.
        """
        def withdraw():
            try:
                # The grant may have changed the volume since ``found``.
                self._revoke_host(volume, connector, location, found,
                                  own=False, known=False)
            except exception.LightOSError as exc:
                error = self._cinder_error(exc, _revoking(connector['nqn']),
                                           volume, location, found)
                if isinstance(exc, _PASSING):
                    raise exception.NotReady(str(error)) from exc
                raise error from exc

        try:
            waiters.wait_for(
                withdraw, timeout=self._conf.lightos_api_request_deadline,
                what='host %s access to Cinder volume %s to be withdrawn' % (
                    connector['nqn'], volume.id),
                interval=0.25, max_interval=4.0, growth=1.0)
            self._grants.drop(volume.id, connector['nqn'])
        # The cluster's errors come translated (above); Cinder's own are
        # its database's, or an ACL that lets any host in.
        except (cinder_exception.CinderException,
                exception.WaitTimeout) as exc:
            LOG.error('Host %(nqn)s may keep access to LightOS volume '
                      '%(uuid)s (project %(project)s) of Cinder volume '
                      '%(id)s after its attach failed: withdrawing the grant '
                      'failed too (%(error)s). Remove the host NQN from the '
                      'volume ACL on the cluster, or send the Cinder volume '
                      'an os-force_detach action with both the failed '
                      'attachment\'s id and this host\'s connector (without '
                      'the id, Cinder detaches whichever attachment it finds; '
                      'the active-active guide shows the command).',
                      {'nqn': connector['nqn'], 'uuid': found.uuid,
                       'project': location.project, 'id': volume.id,
                       'error': exc})

    def terminate_connection(self, volume, connector, force=False):
        """Revoke a host's access; True when another attachment shares it.

        ``connector=None`` revokes every host's access (force detach).
        Raises when access could not be revoked.
        """
        host = (connector or {}).get('host')
        if host:
            return self._terminate_after_updates(volume, connector, force,
                                                 host)
        return self._terminate_connection(volume, connector, force)

    @locks.synchronized(_ATTACHMENT_UPDATE_LOCK)
    def _terminate_after_updates(self, volume, connector, force, host):
        return self._terminate_connection(volume, connector, force)

    @locks.synchronized(_LOCK)
    def _terminate_connection(self, volume, connector, force):
        location, found = self._volumes.lookup(volume)
        if found is None:
            LOG.info('LightOS volume %(name)s of Cinder volume %(id)s is not '
                     'on the cluster (project %(project)s); nothing to '
                     'revoke.', {'name': naming.volume_name(volume),
                                 'id': volume.id,
                                 'project': location.project})
            self._grants.drop(volume.id)
            return False
        use_ipacl = self._conf.lightos_use_ipacl
        nqn = (connector or {}).get('nqn')
        if connector is None or (force and not nqn):
            return self._revoke_all(volume, location, found, use_ipacl)
        if not nqn:
            raise cinder_exception.InvalidConnectorException(
                missing='nqn (cannot tell which host to revoke; use a '
                        'force detach to revoke every host)')
        with self._translated(_revoking(nqn), volume, location, found):
            shared = self._revoke_host(volume, connector, location, found)
        # Access is now Cinder's attachments' (a detach from the host ran).
        self._grants.drop(volume.id, nqn)
        return shared

    def settle_grants(self, volume, pending, bound):
        """Withdraw the grants this service recorded that Cinder never took.

        For the start-up of the service: any grant it was still making died
        with its previous run. ``pending`` maps NQNs to recorded grants. A
        grant that an attachment of the host holds just loses its record;
        grants of a volume that a host may use without such an attachment
        (a legacy-flow attach, a backup, a migration copy) are kept.
        ``bound`` (seconds) limits the work once the volume's lock is
        taken: the lock may wait for the lease of a lock the previous run
        held when it died.
        """
        mine = {nqn: grant for nqn, grant in pending.items()
                if grant.service == self._service}
        if mine:
            self._settle_grants(volume, mine, bound)

    @locks.synchronized(_LOCK)
    def _settle_grants(self, volume, mine, bound):
        with budget.bounded(bound, 'withdrawing grants of a stopped '
                                   'service'):
            return self._settle_locked(volume, mine)

    def _settle_locked(self, volume, mine):
        current = self._read_attachments(volume)
        unrecorded = attachments_module.unrecorded_use(
            self._read_volume(volume), current)
        if unrecorded:
            # The records stay: the next start-up checks them again.
            LOG.info('Keeping the access to Cinder volume %(id)s this '
                     'service granted before it stopped (%(nqns)s): '
                     '%(why)s, so a host may use it without an attachment '
                     'that names it.', {'id': volume.id,
                                        'nqns': ', '.join(sorted(mine)),
                                        'why': unrecorded})
            return
        live = [a for a in current if attachments_module.holds_access(a)]
        dead = {}
        for nqn, grant in mine.items():
            if any(attachments_module.same_host(a, grant.connector)
                   for a in live):
                self._grants.drop(volume.id, nqn)
            else:
                dead[nqn] = grant
        if not dead:
            return
        location, found = self._volumes.lookup(volume)
        for nqn, grant in sorted(dead.items()):
            if found is not None:
                LOG.warning('Withdrawing host %(nqn)s access to Cinder '
                            'volume %(id)s: it was granted while this '
                            'service stopped, before Cinder stored an '
                            'attachment for it.', {'nqn': nqn,
                                                   'id': volume.id})
                with self._translated(_revoking(nqn), volume, location,
                                      found):
                    self._revoke_host(volume, grant.connector, location,
                                      found, own=False, known=False)
            self._grants.drop(volume.id, nqn)

    def _revoke_host(self, volume, connector, location, found, own=None,
                     known=True):
        """Revoke one host unless other attachments on it still use it.

        ``own`` says whether the caller detaches one of the volume's
        attachments (found from the connector when not given); ``known``
        whether ``found`` is the volume as it is now, or must be re-read.
        Client errors come out as they are, for the caller to decide on.
        """
        use_ipacl = self._conf.lightos_use_ipacl
        nqn = connector['nqn']
        read = {}

        def read_here():
            read['live'] = [a for a in self._read_attachments(volume)
                            if attachments_module.holds_access(a)]
            return [a for a in read['live']
                    if attachments_module.same_host(a, connector)]

        if own is None:
            own = any(attachments_module.is_own(a, connector)
                      for a in read_here())
        users = self._ledger.users_after(volume.id, nqn, read_here, own=own)
        live = read['live']
        if users:
            LOG.info('Keeping host %(nqn)s access to Cinder volume %(id)s: '
                     '%(users)d other attachment(s) on that host still use '
                     'it.', {'nqn': nqn, 'id': volume.id, 'users': users})
            return True
        # Addresses also listed by another host's attachment stay.
        kept = {ip for a in live
                if not attachments_module.same_host(a, connector)
                for ip in ((a.connector or {}).get('host_ips') or ())}
        revoked_ips = [ip for ip in connector.get('host_ips') or ()
                       if ip not in kept]

        def change(current):
            new_acl = acl.revoke_hosts(current.acl, [nqn])
            new_ip_acl = (acl.revoke_ips(current.ip_acl, revoked_ips)
                          if use_ipacl else tuple(current.ip_acl))
            if (new_acl == tuple(current.acl) and
                    new_ip_acl == tuple(current.ip_acl)):
                return None
            return {'acl': new_acl, 'ip_acl': new_ip_acl}

        updated = self._apply(location, found, change, _revoking(nqn),
                              known=known)
        if acl.allows_host(updated.acl, nqn):
            raise cinder_exception.VolumeBackendAPIException(
                message='Host %s keeps access to Cinder volume %s (LightOS '
                        'volume %s, project %s): its ACL is %s. Remove '
                        'ALLOW_ANY from the volume ACL on the cluster.' % (
                            nqn, volume.id, updated.uuid, location.project,
                            list(updated.acl)))
        LOG.info('Revoked host %(nqn)s access to LightOS volume %(uuid)s '
                 '(project %(project)s) of Cinder volume %(id)s.',
                 {'nqn': nqn, 'uuid': updated.uuid,
                  'project': location.project, 'id': volume.id})
        return False

    def _revoke_all(self, volume, location, found, use_ipacl):
        closed_ip_acl = acl.NO_ACCESS if use_ipacl else acl.ANY_ACCESS

        def change(current):
            if (tuple(current.acl) == acl.NO_ACCESS and
                    tuple(current.ip_acl) == closed_ip_acl):
                return None
            return {'acl': acl.NO_ACCESS, 'ip_acl': closed_ip_acl}

        action = 'revoke every host access'
        with self._translated(action, volume, location, found):
            self._apply(location, found, change, action)
        self._ledger.forget(volume.id)
        self._grants.drop(volume.id)
        LOG.info('Revoked every host access to LightOS volume %(uuid)s '
                 '(project %(project)s) of Cinder volume %(id)s.',
                 {'uuid': found.uuid, 'project': location.project,
                  'id': volume.id})
        return False
