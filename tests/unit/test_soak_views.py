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

"""The soak's invariants flag what they are meant to flag."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..',
                                'tools', 'soak'))

import views  # noqa: E402

HOST_1 = {'host': 'compute-1', 'nqn': 'nqn.host-1', 'host_ips': ['10.0.0.1']}
HOST_2 = {'host': 'compute-2', 'nqn': 'nqn.host-2', 'host_ips': ['10.0.0.2']}


def _volume(status='in-use', size=1, attachments=()):
    volume = views.Volume(
        id='v1', name_id='v1', status=status, size=size, project_id='t',
        type_name='multi', lightos_project='p', multiattach=True)
    volume.attachments = [
        views.Attachment(id='a%d' % index, volume_id='v1', status=state,
                         connector=connector, instance='i%d' % index)
        for index, (state, connector) in enumerate(attachments)]
    return volume


def _state(volumes=(), snapshots=()):
    return {'projects': {'p': {'volumes': list(volumes),
                               'snapshots': list(snapshots)}}}


def _record(acl, ips, size=views.GIB, state='Available', name='volume-v1'):
    return {'name': name, 'UUID': 'u-' + name, 'state': state,
            'size': str(size), 'acl': {'values': list(acl)},
            'IPAcl': {'values': list(ips)}}


def test_exact_access_passes():
    volume = _volume(attachments=[('attached', HOST_1),
                                  ('attaching', HOST_2)])
    record = _record(['nqn.host-1', 'nqn.host-2'], ['10.0.0.1', '10.0.0.2'])
    assert views.check({'v1': volume}, {}, _state([record])) == []


def test_host_left_in_acl_after_detach_is_stale_access():
    volume = _volume(status='available',
                     attachments=[('detached', HOST_2)])
    record = _record(['nqn.host-2'], ['10.0.0.2'])
    problems = views.check({'v1': volume}, {}, _state([record]))
    assert len(problems) == 2
    assert all(p.startswith('STALE ACCESS') for p in problems)


def test_any_address_in_ip_acl_is_stale_access():
    volume = _volume(attachments=[('attached', HOST_1)])
    record = _record(['nqn.host-1'], ['10.0.0.1', views.ALLOW_ANY])
    problems = views.check({'v1': volume}, {}, _state([record]))
    assert problems == [
        'STALE ACCESS: any address is in the IP-ACL of volume v1 '
        '(volume-v1) but no host Cinder attached has it']


def test_attached_host_missing_is_lost_access():
    volume = _volume(attachments=[('attached', HOST_1)])
    record = _record([views.ALLOW_NONE], [views.ALLOW_NONE])
    problems = views.check({'v1': volume}, {}, _state([record]))
    assert [p.split(':')[0] for p in problems] == ['LOST ACCESS'] * 2


def test_host_of_a_failed_detach_may_lose_access():
    volume = _volume(attachments=[('attached', HOST_1)])
    record = _record([views.ALLOW_NONE], [views.ALLOW_NONE])
    assert views.check({'v1': volume}, {}, _state([record]),
                       leaving={'a0'}) == []


def test_missing_or_wrong_size_volume_and_missing_snapshot():
    volume = _volume(status='available', size=2)
    snapshot = views.Snapshot(id='s1', volume_id='v1', status='available',
                              size=2, lightos_project='p', created_at='')
    problems = views.check({'v1': volume}, {'s1': snapshot},
                           _state([_record([], [])]))
    assert problems == [
        'volume v1 has 2 GiB in Cinder, %d bytes on the cluster' % views.GIB,
        'snapshot s1 is available in Cinder but snapshot-s1 is not on the '
        'cluster']
    assert 'is not on the cluster' in views.check(
        {'v1': volume}, {}, _state())[0]


def test_error_volume_is_not_compared_but_its_access_is():
    volume = _volume(status='error')
    record = _record(['nqn.host-1'], [], state='Failed')
    assert views.check({'v1': volume}, {}, _state([record])) == [
        'STALE ACCESS: nqn.host-1 is in the ACL of volume v1 (volume-v1) '
        'but no host Cinder attached has it']


def test_leftovers_name_every_record():
    state = _state([_record([], [])],
                   [_record([], [], name='snapshot-s1', state='Failed')])
    assert views.leftovers(state) == [
        'volume volume-v1 (project p, Available)',
        'snapshot snapshot-s1 (project p, Failed)']
