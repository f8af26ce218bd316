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

"""The simulator's cluster state as its own raw JSON, read without the driver.

Checks of the cluster use these plain dicts, keyed by the API's field
names, and never the driver's ``models``: a parsing bug there would
otherwise agree with itself in the driver and in its tests.
"""

NONE = ['ALLOW_NONE']
ANY = ['ALLOW_ANY']


def project(sim, name='default'):
    """A project's raw ``volumes`` and ``snapshots`` (empty if unknown)."""
    raw = sim.state()['projects'].get(name, {})
    return {'volumes': list(raw.get('volumes', ())),
            'snapshots': list(raw.get('snapshots', ()))}


def volumes(sim, project_name='default'):
    return project(sim, project_name)['volumes']


def snapshots(sim, project_name='default'):
    return project(sim, project_name)['snapshots']


def by_name(records):
    return {record['name']: record for record in records}


def volume_named(sim, name, project_name='default'):
    """The one volume called ``name``, or None."""
    found = [v for v in volumes(sim, project_name) if v['name'] == name]
    assert len(found) <= 1, found
    return found[0] if found else None


def names(records):
    return sorted(record['name'] for record in records)


def acl(record):
    return record['acl']['values']


def ip_acl(record):
    return record['IPAcl']['values']


def size(record):
    # The API sends sizes in bytes as decimal strings.
    return int(record['size'])


def node_ips(sim):
    """The data (NVMe/TCP) address of each node, as in ``nvmeEndpoint``."""
    ips = []
    for node in sim.state()['nodes']:
        host = node['nvmeEndpoint'].rsplit(':', 1)[0]
        ips.append(host[1:-1] if host.startswith('[') else host)
    return ips


def statistics(sim):
    """The ``statistics`` of ``GET /cluster`` (zero figures omitted)."""
    return sim.cluster.cluster().get('statistics', {})
