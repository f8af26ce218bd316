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

"""Volume type extra specs plus configuration -> a validated VolumeSpec."""

import dataclasses
import difflib
import re

from cinder import exception as cinder_exception
from oslo_utils import strutils
from oslo_utils import uuidutils

from lightos_cinder.api import models

DEFAULT_PROJECT = 'default'
MIN_REPLICAS = 1
MAX_REPLICAS = 3

COMPRESSION = 'compression'
CAPABILITIES_COMPRESSION = 'capabilities:compression'
NUM_REPLICAS = 'lightos:num_replicas'
PROJECT_NAME = 'lightos:project_name'
QOS_POLICY = 'lightos:qos_policy'

NAMESPACE = 'lightos'
# Every key of the ``lightos:`` namespace the driver reads; any other key
# there is a typo that would otherwise be ignored in silence.
KNOWN_KEYS = (NUM_REPLICAS, PROJECT_NAME, QOS_POLICY)

# Extra specs that decide where and how a volume is laid out on the cluster;
# changing one of them needs a migration, not an in-place update.
PLACEMENT_SPECS = (COMPRESSION, CAPABILITIES_COMPRESSION, NUM_REPLICAS,
                   PROJECT_NAME)

_IS_PREFIX = re.compile(r'^\s*<is>\s*', re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class ReplicaLimit:
    """How many replicas the cluster can place now, and why no more.

    ``cause`` is None when the limit is what the cluster supports; else it
    says why the limit is lower. ``nodes_away`` is True when nodes that are
    not Active (maintenance) cause it, so it is expected to rise again.
    """

    value: int
    cause: str = None
    nodes_away: bool = False


def replica_limit(max_replicas):
    """``max_replicas`` as a ReplicaLimit (a bare number has no cause)."""
    if isinstance(max_replicas, ReplicaLimit):
        return max_replicas
    return ReplicaLimit(max_replicas)


@dataclasses.dataclass(frozen=True)
class VolumeSpec:
    """How a volume is created on the cluster."""

    project: str
    replicas: int
    compression: bool
    qos_policy_uuid: str = None


def _invalid(spec, value, problem, fix):
    return cinder_exception.InvalidVolumeType(
        reason='extra spec %s=%r %s; %s' % (spec, value, problem, fix))


def _comparable(name):
    return re.sub(r'[^a-z0-9]', '', name.lower())


def suggest_key(key):
    """The spec an unknown ``lightos:`` key was most likely meant to be."""
    wanted = {_comparable(known.split(':', 1)[1]): known
              for known in KNOWN_KEYS}
    # lightos:compression is a common slip for the unscoped spec.
    wanted[_comparable(COMPRESSION)] = COMPRESSION
    close = difflib.get_close_matches(
        _comparable(key.split(':', 1)[1]), wanted, n=1, cutoff=0.6)
    return wanted[close[0]] if close else None


def check_keys(extra_specs):
    """Refuse keys of the ``lightos:`` namespace the driver does not know.

    A misspelt key would be ignored and the volume created with a default
    (the ``default`` project instead of a tenant's own, 3 replicas instead
    of 2), so it is an error, raised before anything is created.
    """
    for key in sorted(extra_specs or {}):
        prefix, sep, _rest = str(key).partition(':')
        if not sep or prefix.lower() != NAMESPACE or key in KNOWN_KEYS:
            continue
        guess = suggest_key(key)
        hint = ('did you mean %s? ' % guess) if guess else ''
        raise _invalid(
            key, extra_specs[key], 'is not an extra spec of the LightOS '
            'driver', '%srename or remove it (known keys: %s, and '
            'compression)' % (hint, ', '.join(KNOWN_KEYS)))


def parse_compression(value, default):
    """``<is> True``/``<is> False`` or a plain boolean word -> bool."""
    if value is None:
        return default
    text = _IS_PREFIX.sub('', str(value)).strip()
    try:
        return strutils.bool_from_string(text, strict=True)
    except ValueError:
        raise _invalid(
            COMPRESSION, value, 'is not a boolean',
            "set it to '<is> True' or '<is> False', or unset it to use "
            "lightos_default_compression_enabled (%s)" % default)


def parse_replicas(value, default, max_replicas=MAX_REPLICAS):
    """``lightos:num_replicas`` -> an int in 1..max_replicas.

    ``max_replicas`` is the cluster's current maximum (a single-node cluster
    only takes 1), a number or a ReplicaLimit; the configured default is
    checked against it too.
    """
    limit = replica_limit(max_replicas)
    upper = max(MIN_REPLICAS, min(MAX_REPLICAS, limit.value or MAX_REPLICAS))
    allowed = ', '.join(str(n) for n in range(MIN_REPLICAS, upper + 1))
    cause = limit.cause
    if upper == MAX_REPLICAS:
        bound = ''
    elif cause:
        bound = (' (this cluster can place at most %d now: %s)'
                 % (upper, cause))
    else:
        bound = ' (this cluster takes at most %d)' % upper
    if value is None:
        if MIN_REPLICAS <= default <= upper:
            return default
        raise cinder_exception.InvalidVolumeType(
            reason='option lightos_default_num_replicas=%s is out of '
                   'range%s; set the %s extra spec of the volume type, or '
                   'lightos_default_num_replicas, to one of %s'
                   % (default, bound, NUM_REPLICAS, allowed))
    fix = ('set it to one of %s, or unset it to use '
           'lightos_default_num_replicas (%s)' % (allowed, default))
    try:
        replicas = int(str(value).strip())
    except ValueError:
        raise _invalid(NUM_REPLICAS, value, 'is not a whole number', fix)
    if not MIN_REPLICAS <= replicas <= upper:
        raise _invalid(NUM_REPLICAS, value, 'is out of range' + bound, fix)
    return replicas


def parse_project(value):
    """``lightos:project_name`` -> a LightOS project name."""
    if value is None or value == '':
        return DEFAULT_PROJECT
    if not models.NAME_PATTERN.match(str(value)):
        raise _invalid(
            PROJECT_NAME, value, 'is not a valid LightOS project name',
            "use the name of a LightOS project (1-253 characters among "
            "letters, digits, '.', '_' and '-'), or unset it to use the "
            "'%s' project" % DEFAULT_PROJECT)
    return str(value)


def parse_qos_policy(value):
    """``lightos:qos_policy`` -> a QoS policy UUID or None."""
    if value is None or str(value).strip() == '':
        return None
    value = str(value).strip()
    if not uuidutils.is_uuid_like(value):
        raise _invalid(
            QOS_POLICY, value, 'is not a QoS policy UUID',
            "set it to the UUID of a LightOS QoS policy ('lbcli list "
            "qos-policies' shows them), or unset it to use the project's "
            "default policy")
    return value.lower()


def from_extra_specs(extra_specs, *, default_replicas, default_compression,
                     max_replicas=MAX_REPLICAS):
    """Validate extra specs and fill in the configured defaults.

    :raises cinder.exception.InvalidVolumeType: naming the spec and the fix.
    """
    extra_specs = dict(extra_specs or {})
    check_keys(extra_specs)
    compression = extra_specs.get(COMPRESSION)
    if compression is None:
        compression = extra_specs.get(CAPABILITIES_COMPRESSION)
    return VolumeSpec(
        project=parse_project(extra_specs.get(PROJECT_NAME)),
        replicas=parse_replicas(extra_specs.get(NUM_REPLICAS),
                                default_replicas, max_replicas),
        compression=parse_compression(compression, default_compression),
        qos_policy_uuid=parse_qos_policy(extra_specs.get(QOS_POLICY)),
    )


def from_config(conf, extra_specs, max_replicas=MAX_REPLICAS):
    """:func:`from_extra_specs` with defaults read from a configuration."""
    return from_extra_specs(
        extra_specs,
        default_replicas=conf.lightos_default_num_replicas,
        default_compression=conf.lightos_default_compression_enabled,
        max_replicas=max_replicas)


def extra_specs_of(volume):
    """The extra specs of a Cinder volume's type ({} when untyped)."""
    if not volume.get('volume_type_id'):
        return {}
    volume_type = volume.volume_type
    if volume_type is None:
        return {}
    return dict(volume_type.extra_specs or {})


def changed_specs(diff_section):
    """Reduce one section of a retype diff to the keys whose value changed."""
    return {key: values for key, values in (diff_section or {}).items()
            if values[0] != values[1]}


def new_specs(diff_section):
    """The new values of one section of a retype diff (unset ones left out)."""
    return {key: new for key, (_old, new) in (diff_section or {}).items()
            if new is not None}


def vendor_properties(default_replicas):
    """The ``lightos:`` extra specs, as (key, title, help, type, kwargs)."""
    return (
        (NUM_REPLICAS, 'Replica count',
         'How many copies of the data the cluster keeps (1, 2 or 3).',
         'integer', {'minimum': MIN_REPLICAS, 'maximum': MAX_REPLICAS,
                     'default': default_replicas}),
        (PROJECT_NAME, 'LightOS project',
         'The LightOS project that holds the volumes of this type.',
         'string', {'default': DEFAULT_PROJECT}),
        (QOS_POLICY, 'QoS policy UUID',
         "UUID of the LightOS QoS policy applied to the volumes (default: "
         "the project's default policy).",
         'string', {}),
    )
