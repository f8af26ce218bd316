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

"""Extra specs -> VolumeSpec: defaults, accepted spellings, error messages."""

from cinder import exception as cinder_exception
import pytest

from lightos_cinder.volume import specs

QOS_UUID = '8a7e6f4c-2b1d-4c3e-9f0a-1b2c3d4e5f60'


def _spec(extra_specs, default_replicas=3, default_compression=False,
          max_replicas=3):
    return specs.from_extra_specs(extra_specs,
                                  default_replicas=default_replicas,
                                  default_compression=default_compression,
                                  max_replicas=max_replicas)


def _error(extra_specs, **kwargs):
    with pytest.raises(cinder_exception.InvalidVolumeType) as info:
        _spec(extra_specs, **kwargs)
    return str(info.value)


def test_untyped_volume_gets_the_defaults():
    assert _spec({}) == specs.VolumeSpec(project='default', replicas=3,
                                         compression=False,
                                         qos_policy_uuid=None)
    assert _spec(None, default_replicas=2, default_compression=True) == (
        specs.VolumeSpec('default', 2, True, None))


def test_gold_silver_bronze():
    gold = _spec({'lightos:num_replicas': '3', 'compression': '<is> True',
                  'lightos:project_name': 'tenant-a',
                  'lightos:qos_policy': QOS_UUID.upper()})
    assert gold == specs.VolumeSpec('tenant-a', 3, True, QOS_UUID)
    silver = _spec({'lightos:num_replicas': '2', 'compression': '<is> True'})
    assert silver == specs.VolumeSpec('default', 2, True, None)
    bronze = _spec({'lightos:num_replicas': ' 1 ',
                    'compression': '<is> False'}, default_compression=True)
    assert bronze == specs.VolumeSpec('default', 1, False, None)


@pytest.mark.parametrize('value,expected', [
    ('<is> True', True), ('<IS>true', True), ('<is> False', False),
    ('true', True), ('False', False), ('yes', True), ('0', False),
    (True, True), (False, False)])
def test_compression_spellings(value, expected):
    assert _spec({'compression': value}).compression is expected


def test_scoped_compression_capability():
    assert _spec({'capabilities:compression': '<is> True'}).compression
    # The unscoped key wins when both are present.
    assert not _spec({'compression': 'false',
                      'capabilities:compression': '<is> True'}).compression


def test_qos_policy_blank_means_project_default():
    assert _spec({'lightos:qos_policy': ' '}).qos_policy_uuid is None


def test_empty_project_means_default():
    assert _spec({'lightos:project_name': ''}).project == 'default'


@pytest.mark.parametrize('extra_specs,spec,fix', [
    ({'lightos:num_replicas': '5'}, 'lightos:num_replicas',
     'set it to one of 1, 2, 3'),
    ({'lightos:num_replicas': '0'}, 'lightos:num_replicas',
     'set it to one of 1, 2, 3'),
    ({'lightos:num_replicas': 'three'}, 'lightos:num_replicas',
     'set it to one of 1, 2, 3'),
    ({'compression': 'maybe'}, 'compression',
     "set it to '<is> True' or '<is> False'"),
    ({'compression': '<is> maybe'}, 'compression',
     'lightos_default_compression_enabled'),
    ({'lightos:project_name': 'my project'}, 'lightos:project_name',
     "unset it to use the 'default' project"),
    ({'lightos:project_name': 'x' * 254}, 'lightos:project_name',
     '1-253 characters'),
    ({'lightos:project_name': 'a/b'}, 'lightos:project_name',
     'use the name of a LightOS project'),
    ({'lightos:qos_policy': 'gold'}, 'lightos:qos_policy',
     'set it to the UUID of a LightOS QoS policy'),
])
def test_errors_name_the_spec_and_the_fix(extra_specs, spec, fix):
    message = _error(extra_specs)
    assert message.startswith('Invalid volume type: ')
    assert 'extra spec %s=' % spec in message
    assert repr(str(next(iter(extra_specs.values())))) in message
    assert fix in message


def test_replicas_beyond_what_the_cluster_takes():
    message = _error({'lightos:num_replicas': '2'}, max_replicas=1)
    assert 'this cluster takes at most 1' in message
    assert 'set it to one of 1,' in message


def test_default_replicas_beyond_what_the_cluster_takes():
    message = _error({}, default_replicas=3, max_replicas=1)
    assert 'lightos_default_num_replicas=3' in message
    assert 'lightos:num_replicas' in message
    assert _spec({'lightos:num_replicas': '1'}, max_replicas=1).replicas == 1


def test_a_lowered_replica_limit_says_why():
    limit = specs.ReplicaLimit(2, 'nodes not Active: node-c Inactive',
                               nodes_away=True)
    message = _error({'lightos:num_replicas': '3'}, max_replicas=limit)
    assert ('this cluster can place at most 2 now: nodes not Active: '
            'node-c Inactive') in message
    assert _spec({}, default_replicas=2, max_replicas=limit).replicas == 2


def test_from_config_reads_the_defaults():
    class Conf:
        lightos_default_num_replicas = 2
        lightos_default_compression_enabled = True

    assert specs.from_config(Conf(), {}) == specs.VolumeSpec(
        'default', 2, True, None)


def test_changed_specs():
    diff = {'lightos:qos_policy': ('a', 'b'), 'compression': ('x', 'x')}
    assert specs.changed_specs(diff) == {'lightos:qos_policy': ('a', 'b')}
    assert specs.changed_specs(None) == {}


def test_vendor_properties_are_lightos_scoped():
    props = specs.vendor_properties(2)
    assert {p[0] for p in props} == {'lightos:num_replicas',
                                     'lightos:project_name',
                                     'lightos:qos_policy'}
    replicas = [p for p in props if p[0] == 'lightos:num_replicas'][0]
    assert replicas[4] == {'minimum': 1, 'maximum': 3, 'default': 2}


@pytest.mark.parametrize('key,suggestion', [
    ('lightos:projectname', 'did you mean lightos:project_name?'),
    ('lightos:project-name', 'did you mean lightos:project_name?'),
    ('lightos:num_replica', 'did you mean lightos:num_replicas?'),
    ('lightos:replicas', 'did you mean lightos:num_replicas?'),
    ('lightos:compression', 'did you mean compression?'),
    ('lightos:qos-policy', 'did you mean lightos:qos_policy?'),
    ('LightOS:num_replicas', 'did you mean lightos:num_replicas?'),
    ('LIGHTOS:project_name', 'did you mean lightos:project_name?'),
    ('lightos:thin', ''),
])
def test_unknown_lightos_keys_are_refused(key, suggestion):
    message = _error({key: 'tenant-a', 'lightos:num_replicas': '2'})
    assert 'extra spec %s=' % key in message
    assert 'is not an extra spec of the LightOS driver' in message
    assert suggestion in message
    assert ('known keys: lightos:num_replicas, lightos:project_name, '
            'lightos:qos_policy, and compression') in message
    if not suggestion:
        assert 'did you mean' not in message


@pytest.mark.parametrize('extra_specs', [
    {'volume_backend_name': 'lightos', 'capabilities:compression': 'True'},
    {'thin_provisioning_support': '<is> True', 'lightosx:anything': '1'},
    {'lightos:num_replicas': '1', 'lightos:project_name': 'a',
     'lightos:qos_policy': QOS_UUID},
])
def test_keys_outside_the_namespace_or_known_pass(extra_specs):
    assert _spec(extra_specs).replicas in (1, 3)
