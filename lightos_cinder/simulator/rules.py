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

"""The cluster's naming, ACL and capacity rules, from the LightOS API."""

import string

# These rules are the simulator's own reading of the API (PROTO's field
# documentation, the CSI tests run against real clusters), kept apart from
# the driver's so that a wrong rule on one side is caught by the other.

# Volume, snapshot and project names: 1 to 253 characters, each a letter,
# a digit, '-', '_' or '.'.
NAME_MAX_LENGTH = 253
NAME_CHARACTERS = frozenset(string.ascii_letters + string.digits + '-_.')

# ACL pseudo-entries. An ACL (host NQNs) or IP-ACL (addresses) is never
# empty: no host at all is ALLOW_NONE, and either pseudo-entry must be the
# list's only entry.
ALLOW_ANY = 'ALLOW_ANY'
ALLOW_NONE = 'ALLOW_NONE'
PSEUDO_ACL_ENTRIES = (ALLOW_ANY, ALLOW_NONE)

# An IP-ACL holds at most this many addresses.
MAX_IP_ACL_ENTRIES = 16

# Capacities are allocated in 4 KiB units: a requested size is rounded up.
CAPACITY_UNIT = 4 * 1024


def is_valid_name(name):
    """Whether ``name`` is an acceptable volume, snapshot or project name."""
    return (isinstance(name, str) and 0 < len(name) <= NAME_MAX_LENGTH and
            NAME_CHARACTERS.issuperset(name))


def allocated_size(requested):
    """The capacity allocated for ``requested`` bytes (a positive int)."""
    units, rest = divmod(requested, CAPACITY_UNIT)
    return (units + (1 if rest else 0)) * CAPACITY_UNIT


def allows_any(values):
    """Whether an ACL or IP-ACL lets every host (or address) in."""
    return ALLOW_ANY in values
