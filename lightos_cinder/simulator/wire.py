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

"""JSON conventions of the gateway: encoding answers, reading requests."""

import datetime
import ipaddress
import json
import uuid as uuidlib

from lightos_cinder.simulator import errors
from lightos_cinder.simulator import rules

_TRUE_WORDS = ('true', 'enable', 'enabled')
_FALSE_WORDS = ('false', 'disable', 'disabled')
# strconv.ParseBool, which binds boolean query parameters.
_QUERY_BOOLS = {'1': True, 't': True, 'T': True, 'TRUE': True, 'true': True,
                'True': True, '0': False, 'f': False, 'F': False,
                'FALSE': False, 'false': False, 'False': False}


def check_name(name, what='name'):
    if not rules.is_valid_name(name):
        raise errors.bad_request(
            '%s %r is invalid: 1-253 characters of [a-zA-Z0-9._-]'
            % (what, name))
    return name


def check_uuid(value, what='UUID'):
    """Return a UUID in canonical form; 400 "invalid UUID" otherwise."""
    try:
        return str(uuidlib.UUID(value))
    except (TypeError, ValueError, AttributeError):
        raise errors.bad_request('Provided invalid %s %r' % (what, value))


def u64(value):
    """Encode a 64-bit integer as protobuf JSON does: a decimal string."""
    return str(int(value)) if value else None


def omit_zero(fields):
    """Drop zero values, as the gateway's marshaller does by default.

    Nested objects (dicts) are kept even when empty: a set message field is
    always emitted.
    """
    return {key: value for key, value in fields.items()
            if value is not None and value != '' and value != []
            and not (value is False) and not (
                isinstance(value, (int, float)) and
                not isinstance(value, bool) and value == 0)}


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%S.%fZ')


def parse_body(raw):
    """Parse a request body; an empty body is an empty object."""
    if not raw or not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise errors.bad_request('invalid JSON body: %s' % exc)
    if not isinstance(body, dict):
        raise errors.bad_request('the request body must be a JSON object')
    return body


def read_string(body, key):
    """Return a string field, None when absent, null or empty."""
    value = body.get(key)
    if value is None or value == '':
        return None
    if not isinstance(value, str):
        raise errors.bad_request('%s must be a string' % key)
    return value


def read_uint(body, key, bits=32):
    """Return an unsigned integer sent as a JSON number or numeric string."""
    value = body.get(key)
    if value is None or value == '':
        return None
    if isinstance(value, bool):
        raise errors.bad_request('%s must be an integer' % key)
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise errors.bad_request('%s must be an integer' % key)
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0 or value >= 2 ** bits:
        raise errors.bad_request('%s is out of range' % key)
    return value


def read_bool(body, key):
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ('true', 'false'):
        return value == 'true'
    raise errors.bad_request('%s must be a boolean' % key)


def read_compression(body, key='compression'):
    """Parse the volume compression string (true/enable(d)/false/...)."""
    value = read_string(body, key)
    if value is None:
        return None
    word = value.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise errors.bad_request('invalid compression value %r' % value)


def read_values(body, key):
    """Return the ``values`` list of an ACL object, None when absent."""
    container = body.get(key)
    if container is None:
        return None
    if not isinstance(container, dict):
        raise errors.bad_request('%s must be an object with "values"' % key)
    values = container.get('values')
    if values is None:
        values = []
    if not isinstance(values, list) or not all(
            isinstance(item, str) for item in values):
        raise errors.bad_request('%s.values must be a list of strings' % key)
    return list(values)


def _check_pseudo(values, key):
    if not values:
        raise errors.bad_request(
            '%s must not be empty: use ALLOW_NONE to allow no host' % key)
    pseudo = [item for item in values if item in rules.PSEUDO_ACL_ENTRIES]
    if pseudo and len(values) > 1:
        raise errors.bad_request(
            '%s: %s must be the only entry' % (key, pseudo[0]))
    if len(set(values)) != len(values):
        raise errors.bad_request('%s has duplicate entries' % key)


def check_acl(values):
    """Validate an NVMe ACL: host NQNs, or one ALLOW_ANY/ALLOW_NONE."""
    _check_pseudo(values, 'acl')
    for item in values:
        if item in rules.PSEUDO_ACL_ENTRIES:
            continue
        if not item.strip() or len(item) > 223:
            raise errors.bad_request('acl: invalid host NQN %r' % item)
    return values


def check_ip_acl(values):
    """Validate an IP ACL: at most 16 addresses, or one pseudo-entry."""
    _check_pseudo(values, 'IPAcl')
    if len(values) > rules.MAX_IP_ACL_ENTRIES:
        raise errors.bad_request('IPAcl has %d entries, at most %d allowed'
                                 % (len(values), rules.MAX_IP_ACL_ENTRIES))
    for item in values:
        if item in rules.PSEUDO_ACL_ENTRIES:
            continue
        try:
            ipaddress.ip_address(item)
        except ValueError:
            raise errors.bad_request('IPAcl: invalid IP address %r' % item)
    return values


def query_first(query, key):
    """The first value of a query parameter, as the gateway binds it."""
    values = query.get(key)
    return values[0] if values else None


def query_bool(query, key):
    value = query_first(query, key)
    if value is None or value == '':
        return False
    if value not in _QUERY_BOOLS:
        raise errors.bad_request('invalid boolean %r for %s' % (value, key))
    return _QUERY_BOOLS[value]


def query_uint(query, key):
    value = query_first(query, key)
    if value is None or value == '':
        return None
    if not value.isdigit():
        raise errors.bad_request('invalid integer %r for %s' % (value, key))
    return int(value)
