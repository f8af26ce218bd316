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

"""The discovery files the emulated discovery-client reads."""

import pytest

from lightos_cinder.simulator import discovery

NQN = 'nqn.2014-08.org.nvmexpress:uuid:00000001-0000-4000-8000-000000000000'
SUBSYS = 'nqn.2016-01.com.lightbitslabs:uuid:5b3c'


def test_parses_what_os_brick_writes():
    # The layout of os-brick's dsc_connect_volume: a comment, one line per
    # node.
    text = ('# os_brick connector dsc file for LightOS volume: x\n'
            '-t tcp -a 127.0.0.11 -s 8009 -q %s -n %s\n'
            '-t tcp -a 127.0.0.12 -s 8009 -q %s -n %s\n'
            % (NQN, SUBSYS, NQN, SUBSYS))
    assert discovery.parse_entries(text) == [
        discovery.Entry('tcp', '127.0.0.11', 8009, NQN, SUBSYS),
        discovery.Entry('tcp', '127.0.0.12', 8009, NQN, SUBSYS)]


def test_flags_may_come_in_any_order():
    [entry] = discovery.parse_entries(
        '-n %s -q %s -s 4420 -a ::1 -t tcp' % (SUBSYS, NQN))
    assert entry == discovery.Entry('tcp', '::1', 4420, NQN, SUBSYS)


@pytest.mark.parametrize('line, message', [
    ('-t tcp -a 127.0.0.11 -s 8009 -q %s' % NQN, 'missing -n'),
    ('-t tcp -a 127.0.0.11 -s port -q %s -n %s' % (NQN, SUBSYS),
     "bad port 'port'"),
    ('-t tcp -a', 'pairs'),
])
def test_malformed_lines_are_refused(line, message):
    with pytest.raises(ValueError) as info:
        discovery.parse_entries('# comment\n' + line)
    assert 'line 2' in str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize('ip_acl, host_ips, allowed', [
    (['ALLOW_ANY'], [], True),
    (['ALLOW_NONE'], ['192.0.2.2'], False),
    (['192.0.2.2'], ['192.0.2.2'], True),
    (['fd00::2'], ['fd00:0::2'], True),
    (['192.0.2.3'], ['192.0.2.2'], False),
])
def test_ip_acl_check(ip_acl, host_ips, allowed):
    assert discovery._ip_allowed(ip_acl, host_ips) is allowed


def test_only_loopback_addresses():
    with pytest.raises(ValueError):
        discovery.DiscoveryClient(None, None, '/nonexistent',
                                  address='192.0.2.2')
