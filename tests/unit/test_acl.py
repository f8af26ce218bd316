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

"""ACL and IP-ACL algebra: pseudo entries, the 16-entry limit, ordering."""

import pytest

from lightos_cinder.api.models import ALLOW_ANY
from lightos_cinder.api.models import ALLOW_NONE
from lightos_cinder.volume import acl

NQN_A = 'nqn.2014-08.org.nvmexpress:uuid:aaaa'
NQN_B = 'nqn.2014-08.org.nvmexpress:uuid:bbbb'


class TestHostAcl:
    def test_grant_replaces_allow_none(self):
        assert acl.grant_host([ALLOW_NONE], NQN_A) == (NQN_A,)

    def test_grant_appends_and_is_idempotent(self):
        once = acl.grant_host((NQN_A,), NQN_B)
        assert once == (NQN_A, NQN_B)
        assert acl.grant_host(once, NQN_B) == once

    def test_grant_on_empty_or_missing(self):
        assert acl.grant_host((), NQN_A) == (NQN_A,)
        assert acl.grant_host(None, NQN_A) == (NQN_A,)

    def test_grant_keeps_allow_any(self):
        assert acl.grant_host((ALLOW_ANY,), NQN_A) == (ALLOW_ANY,)

    def test_grant_requires_nqn(self):
        with pytest.raises(ValueError):
            acl.grant_host((ALLOW_NONE,), '')

    def test_revoke_last_host_gives_allow_none(self):
        assert acl.revoke_hosts((NQN_A,), [NQN_A]) == (ALLOW_NONE,)

    def test_revoke_one_of_two(self):
        assert acl.revoke_hosts((NQN_A, NQN_B), [NQN_A]) == (NQN_B,)

    def test_revoke_absent_host_changes_nothing(self):
        assert acl.revoke_hosts((NQN_B,), [NQN_A]) == (NQN_B,)
        assert acl.revoke_hosts((ALLOW_NONE,), [NQN_A]) == (ALLOW_NONE,)

    def test_revoke_keeps_allow_any(self):
        assert acl.revoke_hosts((ALLOW_ANY,), [NQN_A]) == (ALLOW_ANY,)

    def test_allows_and_closed(self):
        assert acl.allows_host((NQN_A,), NQN_A)
        assert not acl.allows_host((NQN_B,), NQN_A)
        assert acl.allows_host((ALLOW_ANY,), NQN_A)
        assert not acl.allows_host((ALLOW_NONE,), NQN_A)
        assert acl.is_closed((ALLOW_NONE,))
        assert acl.is_closed(())
        assert not acl.is_closed((ALLOW_ANY,))
        assert not acl.is_closed((NQN_A,))


class TestIpAcl:
    def test_grant_replaces_allow_none(self):
        change = acl.grant_ips((ALLOW_NONE,), ['10.0.0.1', '10.0.0.2'])
        assert change.values == ('10.0.0.1', '10.0.0.2')
        assert change.dropped == () and change.invalid == ()

    def test_grant_keeps_allow_any(self):
        assert acl.grant_ips((ALLOW_ANY,), ['10.0.0.1']).values == (
            ALLOW_ANY,)

    def test_grant_deduplicates_spellings(self):
        change = acl.grant_ips(('2001:db8::1',),
                               ['2001:db8:0::1', '10.0.0.1', '10.0.0.1'])
        assert change.values == ('2001:db8::1', '10.0.0.1')

    def test_invalid_addresses_are_reported_not_written(self):
        change = acl.grant_ips((ALLOW_NONE,), ['10.0.0.1', 'not-an-ip',
                                               '0.0.0.0', '224.0.0.1'])
        assert change.values == ('10.0.0.1',)
        assert change.invalid == ('not-an-ip', '0.0.0.0', '224.0.0.1')

    def test_zone_suffix_dropped(self):
        change = acl.grant_ips((), ['fe80::1%eth0'])
        assert change.values == ('fe80::1',)

    def test_nothing_valid_gives_allow_none(self):
        assert acl.grant_ips((ALLOW_NONE,), ['bogus']).values == (
            ALLOW_NONE,)

    def test_limit_prefers_routable_over_link_local_and_loopback(self):
        routable = ['10.1.0.%d' % i for i in range(1, 15)]
        ips = ['127.0.0.1', 'fe80::2', '169.254.0.9', '::1'] + routable + [
            '2001:db8::5']
        change = acl.grant_ips((ALLOW_NONE,), ips)
        assert len(change.values) == acl.MAX_IP_ACL_ENTRIES
        assert set(change.values) == set(routable) | {'2001:db8::5',
                                                      '169.254.0.9'}
        assert set(change.dropped) == {'127.0.0.1', '::1', 'fe80::2'}

    def test_limit_is_deterministic_whatever_the_input_order(self):
        ips = ['10.2.0.%d' % i for i in range(30)]
        first = acl.grant_ips((), ips)
        second = acl.grant_ips((), list(reversed(ips)))
        assert first == second
        assert first.values == tuple('10.2.0.%d' % i for i in range(16))
        assert first.dropped == tuple('10.2.0.%d' % i for i in range(16, 30))

    def test_limit_prefers_ipv4_within_a_class(self):
        ips = ['2001:db8::%x' % i for i in range(1, 10)] + [
            '10.3.0.%d' % i for i in range(1, 10)]
        change = acl.grant_ips((), ips)
        assert [v for v in change.values if ':' not in v] == [
            '10.3.0.%d' % i for i in range(1, 10)]
        assert change.dropped == ('2001:db8::8', '2001:db8::9')

    def test_existing_hosts_keep_their_entries(self):
        existing = tuple('10.4.0.%d' % i for i in range(1, 15))
        change = acl.grant_ips(existing, ['10.5.0.1', '10.5.0.2', '10.5.0.3',
                                          '10.0.0.1'])
        assert change.values[:14] == existing
        assert change.values[14:] == ('10.0.0.1', '10.5.0.1')
        assert change.dropped == ('10.5.0.2', '10.5.0.3')

    def test_new_routable_displaces_existing_link_local(self):
        existing = ('fe80::1',) + tuple('10.4.0.%d' % i for i in range(1, 16))
        change = acl.grant_ips(existing, ['10.6.0.1'])
        assert 'fe80::1' not in change.values
        assert change.values[-1] == '10.6.0.1'
        assert change.dropped == ('fe80::1',)

    def test_unparseable_existing_entry_is_kept(self):
        existing = ('some-entry',) + tuple(
            '10.4.0.%d' % i for i in range(1, 16))
        change = acl.grant_ips(existing, ['10.6.0.1'])
        assert change.values == existing
        assert change.dropped == ('10.6.0.1',)

    def test_revoke(self):
        assert acl.revoke_ips(('10.0.0.1', '2001:db8::1'),
                              ['2001:db8:0:0::1']) == ('10.0.0.1',)
        assert acl.revoke_ips(('10.0.0.1',), ['10.0.0.1']) == (ALLOW_NONE,)
        assert acl.revoke_ips((ALLOW_ANY,), ['10.0.0.1']) == (ALLOW_ANY,)
        assert acl.revoke_ips((ALLOW_NONE,), ['10.0.0.1']) == (ALLOW_NONE,)

    def test_allows_any_ip(self):
        assert acl.allows_any_ip(('10.0.0.1',), ['10.0.0.2', '10.0.0.1'])
        assert not acl.allows_any_ip(('10.0.0.1',), ['10.0.0.2'])
        assert acl.allows_any_ip((ALLOW_ANY,), [])
        assert not acl.allows_any_ip((ALLOW_NONE,), ['10.0.0.1'])

    @pytest.mark.parametrize('value,expected', [
        ('10.0.0.1', 0), ('2001:db8::1', 0), ('fe80::1', 1),
        ('169.254.1.1', 1), ('127.0.0.5', 2), ('::1', 2)])
    def test_address_class(self, value, expected):
        assert acl.address_class(value) == expected
