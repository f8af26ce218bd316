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

"""The simulator's raw cluster state held against Cinder's records."""

import collections

from tests.functional import simstate

GIB = 1024 ** 3
NONE = simstate.NONE
# Cinder states in which the LightOS object must exist and match exactly.
SETTLED = ('available', 'in-use')


def compare(sim, records, project='default'):
    """Every way the cluster differs from ``records``; empty lists if none.

    Read from the simulator's own state (not through the driver): a
    LightOS volume or snapshot without a Cinder record is a leak; an ACL
    entry without a live Cinder attachment is stale access; a live
    attachment without its ACL entry, or a size other than Cinder's, is a
    lost update.
    """
    raw = simstate.project(sim, project)
    volumes = simstate.by_name(raw['volumes'])
    snapshots = simstate.by_name(raw['snapshots'])
    found = collections.defaultdict(list)
    known_volumes = {v['name']: v for v in records['volumes']}
    known_snapshots = {'snapshot-%s' % s['id']: s
                       for s in records['snapshots']}
    found['leaked_volumes'] = sorted(set(volumes) - set(known_volumes))
    found['leaked_snapshots'] = sorted(set(snapshots) - set(known_snapshots))
    for name, record in known_volumes.items():
        volume = volumes.get(name)
        if record['status'] not in SETTLED:
            continue
        if volume is None:
            found['missing_volumes'].append(name)
            continue
        if simstate.size(volume) != record['size'] * GIB:
            found['wrong_sizes'].append(
                (name, simstate.size(volume) // GIB, record['size']))
        live = [a for a in record['attachments']
                if a['attach_status'] == 'attached']
        _diff_acl(found, name, simstate.acl(volume),
                  {a['nqn'] for a in live})
        _diff_acl(found, name, simstate.ip_acl(volume),
                  {ip for a in live for ip in a['host_ips']})
    for name, record in known_snapshots.items():
        if record['status'] == 'available' and name not in snapshots:
            found['missing_snapshots'].append(name)
    return dict(found)


def _diff_acl(found, name, values, wanted):
    have = set(values) - set(NONE)
    found['stale_acl'].extend((name, v) for v in sorted(have - wanted))
    found['missing_acl'].extend((name, v) for v in sorted(wanted - have))
    if not wanted and list(values) != NONE:
        found['stale_acl'].append((name, list(values)))


def assert_consistent(sim, records):
    problems = {k: v for k, v in compare(sim, records).items() if v}
    assert not problems, problems


def outcome(sim, records):
    """Resources per final state, leaks and stale ACL entries: a summary."""
    found = compare(sim, records)
    states = collections.Counter(
        'volume %s' % v['status'] for v in records['volumes'])
    states.update('snapshot %s' % s['status'] for s in records['snapshots'])
    return {
        'states': dict(sorted(states.items())),
        'leaks': len(found.get('leaked_volumes', ())) + len(
            found.get('leaked_snapshots', ())),
        'stale_acl_entries': len(found.get('stale_acl', ())),
        'lost_updates': sum(len(found.get(key, ())) for key in (
            'missing_volumes', 'missing_snapshots', 'missing_acl',
            'wrong_sizes')),
        'workers_left': len(records['workers']),
    }
