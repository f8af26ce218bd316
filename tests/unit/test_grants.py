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

"""Grant records: what revoking a dead grant needs, within 255 characters."""

from lightos_cinder.volume import grants

NQN = 'nqn.2014-08.org.nvmexpress:uuid:host-1'
HOST = {'nqn': NQN, 'host': 'compute-1', 'host_ips': ['10.0.0.1', 'fd00::1']}


def test_a_recorded_grant_reads_back():
    book = grants.MemoryGrants()
    book.record('v', 'cinder@lightos', HOST)
    assert book.pending('v') == {NQN: grants.Grant('cinder@lightos', HOST)}
    book.drop('v', NQN)
    assert book.pending('v') == {}


def test_the_value_fits_admin_metadata():
    many = dict(HOST, host_ips=['fd00:%x::1' % n for n in range(40)])
    value = grants._encode('cinder@lightos', many)
    assert len(value) <= 255
    grant = grants._decode(NQN, value)
    assert grant.connector['host'] == 'compute-1'
    assert grant.connector['host_ips'] == many['host_ips'][
        :len(grant.connector['host_ips'])]


def test_only_grant_records_are_read_from_metadata():
    metadata = {'attached_mode': 'rw',
                'lightos_kept_access:' + NQN: '1@5 0a1b2c3d',
                'lightos_granting:' + NQN: 'cinder@lightos - 10.0.0.1'}
    assert grants.from_metadata(metadata) == {NQN: grants.Grant(
        'cinder@lightos', {'nqn': NQN, 'host': None,
                           'host_ips': ['10.0.0.1']})}
