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

"""Cinder QoS specs -> the LightOS QoS policy that enforces them."""

import dataclasses

from cinder import exception as cinder_exception

from lightos_cinder.volume import specs

# Consumers whose limits the cluster enforces; 'front-end' limits are
# applied by the hypervisor and need nothing here.
BACK_END_CONSUMERS = ('back-end', 'both')

READ_IOPS = 'read_iops_sec'
WRITE_IOPS = 'write_iops_sec'
READ_BYTES = 'read_bytes_sec'
WRITE_BYTES = 'write_bytes_sec'

# LightOS policies express bandwidth in MB/s (10**6 bytes per second).
MB = 1000 * 1000

_IGNORED = ('consumer',)


def _invalid(specs_dict, problem):
    return cinder_exception.InvalidVolumeType(
        reason='QoS specs %s %s; the cluster enforces only LightOS QoS '
               'policies: give the policy UUID as lightos:qos_policy, or '
               'read_iops_sec and write_iops_sec (or read_bytes_sec and '
               'write_bytes_sec) equal to the limits of an existing policy '
               '("lbcli list qos-policies")' % (
                   sorted(specs_dict.items()), problem))


def qos_specs_of(volume):
    """The QoS specs (a dict) of a volume's type; {} when it has none."""
    if not volume.get('volume_type_id'):
        return {}
    volume_type = volume.volume_type
    if volume_type is None or not volume_type.get('qos_specs_id'):
        return {}
    qos = volume_type.qos_specs
    if qos is None:
        return {}
    values = dict(qos.specs or {})
    values['consumer'] = qos.consumer
    return values


def policy_of(volume_id, spec, specs_dict, list_policies, whose='the type'):
    """The QoS policy UUID of a volume, or None for the project default.

    The policy comes from ``lightos:qos_policy`` in ``spec`` or from the
    QoS specs; naming two different policies is an InvalidVolumeType.
    ``volume_id`` is None when a volume type is checked on its own.
    """
    from_qos = requested_policy(specs_dict, list_policies)
    if from_qos and spec.qos_policy_uuid and (
            from_qos != spec.qos_policy_uuid):
        subject = (whose if volume_id is None
                   else '%s of Cinder volume %s' % (whose, volume_id))
        raise cinder_exception.InvalidVolumeType(
            reason='%s names QoS policy %s in %s and policy %s in its QoS '
                   'specs; keep one' % (subject, spec.qos_policy_uuid,
                                        specs.QOS_POLICY, from_qos))
    return from_qos or spec.qos_policy_uuid


def volume_spec(conf, volume_id, extra_specs, qos_specs, list_policies,
                max_replicas, whose='the type'):
    """The complete VolumeSpec of a volume type: what create validates.

    ``list_policies`` is called only when QoS limits must be matched.
    :raises cinder.exception.InvalidVolumeType: naming the spec and the fix.
    """
    spec = specs.from_config(conf, extra_specs, max_replicas)
    policy = policy_of(volume_id, spec, qos_specs, list_policies, whose)
    return dataclasses.replace(spec, qos_policy_uuid=policy)


def _limit(policy, section, key):
    value = (policy.limits.get(section) or {}).get(key)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _int(specs_dict, key):
    try:
        return int(specs_dict[key])
    except (TypeError, ValueError):
        raise _invalid(specs_dict, '%s=%r is not a whole number'
                       % (key, specs_dict[key])) from None


def requested_policy(specs_dict, list_policies):
    """The policy UUID the QoS specs ask for, or None if they ask nothing.

    ``list_policies`` is called (once) only when limits must be matched to
    a policy. Raises InvalidVolumeType when no policy matches or the specs
    use limits LightOS cannot express (``total_*``, ``*_per_gb``).
    """
    specs_dict = dict(specs_dict or {})
    consumer = specs_dict.get('consumer', 'back-end')
    if consumer not in BACK_END_CONSUMERS:
        return None
    keys = set(specs_dict) - set(_IGNORED)
    if not keys:
        return None
    if specs.QOS_POLICY in specs_dict:
        if keys != {specs.QOS_POLICY}:
            raise _invalid(specs_dict, 'mix a policy UUID with limits')
        return specs.parse_qos_policy(specs_dict[specs.QOS_POLICY])
    if keys == {READ_IOPS, WRITE_IOPS}:
        section, fields = 'limitIOPS', (('readIOPSLimit', READ_IOPS, 1),
                                        ('writeIOPSLimit', WRITE_IOPS, 1))
    elif keys == {READ_BYTES, WRITE_BYTES}:
        section, fields = 'limitBw', (('readBWLimit', READ_BYTES, MB),
                                      ('writeBWLimit', WRITE_BYTES, MB))
    else:
        raise _invalid(specs_dict, 'use keys LightOS cannot express as a '
                       'policy')
    wanted = {limit_key: _int(specs_dict, key) for limit_key, key, _ in
              fields}
    for policy in list_policies():
        if all(_limit(policy, section, limit_key) is not None and
               _limit(policy, section, limit_key) * unit == wanted[limit_key]
               for limit_key, _, unit in fields):
            return policy.uuid.lower()
    raise _invalid(specs_dict, 'match no LightOS QoS policy')
