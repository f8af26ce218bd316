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

"""Pure ACL and IP-ACL algebra for LightOS volumes (no I/O, no Cinder)."""

import dataclasses
import ipaddress

from lightos_cinder.api.models import ALLOW_ANY
from lightos_cinder.api.models import ALLOW_NONE

# A LightOS IP-ACL holds at most this many addresses.
MAX_IP_ACL_ENTRIES = 16

NO_ACCESS = (ALLOW_NONE,)
ANY_ACCESS = (ALLOW_ANY,)

# Address classes, best first. Link-local and loopback addresses of a compute
# host cannot carry NVMe/TCP traffic to the cluster nodes, so they are the
# first to go when the IP-ACL would overflow.
_ROUTABLE, _LINK_LOCAL, _LOOPBACK = 0, 1, 2


@dataclasses.dataclass(frozen=True)
class IpAclChange:
    """The IP-ACL to write and what could not be put into it."""

    values: tuple
    dropped: tuple = ()
    invalid: tuple = ()


def _without_pseudo(values):
    return tuple(v for v in values if v not in (ALLOW_ANY, ALLOW_NONE))


def _or_none(values):
    """An empty list is not a valid ACL: no entry means ALLOW_NONE."""
    return tuple(values) or NO_ACCESS


def normalize_ip(value):
    """Return the canonical spelling of an IP address, or None if invalid.

    IPv6 zone suffixes (``fe80::1%eth0``) are dropped, as os-brick does.
    Unspecified and multicast addresses never identify a host, so they are
    invalid here.
    """
    try:
        address = ipaddress.ip_address(str(value).strip().split('%')[0])
    except ValueError:
        return None
    if address.is_unspecified or address.is_multicast:
        return None
    return str(address)


def address_class(value):
    """Rank an address: 0 routable, 1 link-local, 2 loopback."""
    address = ipaddress.ip_address(value)
    if address.is_loopback:
        return _LOOPBACK
    if address.is_link_local:
        return _LINK_LOCAL
    return _ROUTABLE


def _rank(value, existing):
    address = ipaddress.ip_address(value)
    return (address_class(value), 0 if existing else 1, address.version,
            int(address))


def grant_host(acl, nqn):
    """Return ``acl`` with host NQN ``nqn`` allowed.

    ``ALLOW_ANY`` already allows every host and is kept as it is (narrowing
    it would cut off hosts relying on it); ``ALLOW_NONE`` is replaced.
    """
    if not nqn:
        raise ValueError('a host NQN is required')
    acl = tuple(acl or ())
    if ALLOW_ANY in acl:
        return ANY_ACCESS
    hosts = _without_pseudo(acl)
    if nqn in hosts:
        return hosts
    return hosts + (nqn,)


def revoke_hosts(acl, nqns):
    """Return ``acl`` without the given host NQNs (``ALLOW_NONE`` if empty).

    ``ALLOW_ANY`` cannot express "anyone but these" and is returned as is;
    the caller decides what that means for a detach.
    """
    acl = tuple(acl or ())
    if ALLOW_ANY in acl:
        return ANY_ACCESS
    gone = set(nqns)
    return _or_none(v for v in _without_pseudo(acl) if v not in gone)


def grant_ips(ip_acl, ips, *, limit=MAX_IP_ACL_ENTRIES):
    """Return the IP-ACL that also allows ``ips``, within ``limit`` entries.

    Entries already present stay in their order and new addresses follow.
    When more than ``limit`` addresses would result, the kept ones are chosen
    deterministically: routable before link-local before loopback, then
    addresses already in the list before new ones, IPv4 before IPv6, and
    lower addresses first. ``ALLOW_ANY`` is kept as it is.
    """
    ip_acl = tuple(ip_acl or ())
    invalid = tuple(ip for ip in ips if normalize_ip(ip) is None)
    if ALLOW_ANY in ip_acl:
        return IpAclChange(ANY_ACCESS, invalid=invalid)
    current = []
    for value in _without_pseudo(ip_acl):
        canonical = normalize_ip(value) or value
        if canonical not in current:
            current.append(canonical)
    new = []
    for ip in ips:
        canonical = normalize_ip(ip)
        if canonical and canonical not in current and canonical not in new:
            new.append(canonical)
    # Entries the cluster accepted but we cannot parse are never dropped:
    # we cannot rank what we do not understand.
    opaque = [v for v in current if normalize_ip(v) is None]
    candidates = [(v, True) for v in current if v not in opaque]
    candidates += [(v, False) for v in new]
    room = max(limit - len(opaque), 0)
    ranked = sorted(candidates, key=lambda c: _rank(c[0], c[1]))
    keep = {v for v, _existing in ranked[:room]}
    dropped = tuple(v for v, _existing in ranked[room:])
    values = tuple(v for v in current if v in keep or v in opaque)
    values += tuple(v for v in sorted(new, key=lambda v: _rank(v, False))
                    if v in keep)
    return IpAclChange(_or_none(values), dropped=dropped, invalid=invalid)


def revoke_ips(ip_acl, ips):
    """Return ``ip_acl`` without ``ips`` (``ALLOW_NONE`` if empty).

    ``ALLOW_ANY`` is returned as it is.
    """
    ip_acl = tuple(ip_acl or ())
    if ALLOW_ANY in ip_acl:
        return ANY_ACCESS
    gone = {normalize_ip(ip) or ip for ip in ips}
    return _or_none(v for v in _without_pseudo(ip_acl)
                    if (normalize_ip(v) or v) not in gone)


def allows_host(acl, nqn):
    """Whether the NVMe ACL lets host ``nqn`` in."""
    acl = tuple(acl or ())
    return ALLOW_ANY in acl or (bool(nqn) and nqn in acl)


def allows_any_ip(ip_acl, ips):
    """Whether the IP-ACL lets in at least one of ``ips``."""
    ip_acl = tuple(ip_acl or ())
    if ALLOW_ANY in ip_acl:
        return True
    listed = {normalize_ip(v) or v for v in _without_pseudo(ip_acl)}
    return any((normalize_ip(ip) or ip) in listed for ip in ips)


def is_closed(acl):
    """Whether the NVMe ACL lets no host in at all."""
    acl = tuple(acl or ())
    return ALLOW_ANY not in acl and not _without_pseudo(acl)
