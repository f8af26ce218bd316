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

"""JWT authentication and role checks, the way LightOS does them."""

import dataclasses
import threading
import time
import uuid as uuidlib

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization
import jwt

from lightos_cinder.simulator import errors

SYSTEM_SCOPE = 'system'
CLUSTER_ADMIN = 'cluster-admin'
ADMIN = 'admin'
VIEWER = 'viewer'
SYSTEM_ADMIN_ROLE = '%s:%s' % (SYSTEM_SCOPE, CLUSTER_ADMIN)
AUDIENCE = 'LightOS'


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who is calling: the ``(scope, role)`` pairs of a verified token."""

    roles: frozenset
    subject: str = ''

    @property
    def is_system_admin(self):
        return (SYSTEM_SCOPE, CLUSTER_ADMIN) in self.roles

    def can_read(self, project):
        return (self.is_system_admin or (project, ADMIN) in self.roles or
                (project, VIEWER) in self.roles)

    def can_write(self, project):
        return self.is_system_admin or (project, ADMIN) in self.roles


# The caller when the cluster runs with multi-tenancy (auth) disabled.
UNRESTRICTED = Principal(roles=frozenset({(SYSTEM_SCOPE, CLUSTER_ADMIN)}))


def generate_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode('ascii')


def public_pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode('ascii')


def split_kid(kid):
    """Split a key id ``<scope>:<name>``; ValueError if malformed."""
    scope, sep, name = (kid or '').partition(':')
    if not sep or not scope or not name:
        raise ValueError('a kid is "<scope>:<name>", got %r' % kid)
    return scope, name


class KeyRing:
    """The private keys the simulator signs tokens with, by ``kid``."""

    def __init__(self):
        self._keys = {}
        self._lock = threading.Lock()

    def key(self, kid):
        """Return the key for ``kid`` and whether it was just created."""
        split_kid(kid)
        with self._lock:
            if kid in self._keys:
                return self._keys[kid], False
            key = self._keys[kid] = generate_key()
            return key, True

    def export(self):
        with self._lock:
            return {kid: private_pem(key) for kid, key in self._keys.items()}

    def load(self, saved):
        with self._lock:
            for kid, pem in saved.items():
                self._keys[kid] = serialization.load_pem_private_key(
                    pem.encode('ascii'), password=None)


def mint(key, kid, roles, expires_in=3600, **claims):
    """Sign a token laid out like the ones ``lbcli create jwt`` makes."""
    now = int(time.time())
    payload = {
        'aud': AUDIENCE,
        'iss': 'lightos-simulator',
        'sub': 'lightos-client',
        'jti': str(uuidlib.uuid4()),
        'iat': now,
        'nbf': min(now, now + expires_in) if expires_in is not None else now,
        'roles': list(roles),
    }
    if expires_in is not None:
        payload['exp'] = now + expires_in
    payload.update(claims)
    return jwt.encode(payload, key, algorithm='RS256', headers={'kid': kid})


def _time_problem(claims, now):
    """Why the time claims do not hold at ``now`` (PyJWT's names), or None.

    Checked here rather than by PyJWT so that a token verified earlier is
    held to the same clock as a new one.
    """
    def number(name, error):
        try:
            return int(claims[name]), None
        except KeyError:
            return None, None
        except (ValueError, TypeError, OverflowError):
            return None, error
    iat, bad = number('iat', 'InvalidIssuedAtError')
    if bad or (iat is not None and iat > now):
        return bad or 'ImmatureSignatureError'
    nbf, bad = number('nbf', 'DecodeError')
    if bad or (nbf is not None and nbf > now):
        return bad or 'ImmatureSignatureError'
    exp, bad = number('exp', 'DecodeError')
    if bad:
        return bad
    if exp is not None and exp <= now:
        return 'token expired'
    return None


class Authenticator:
    """Verifies bearer tokens against the cluster's public keys.

    ``lookup(kid)`` returns the PEM public key registered under a key id
    (a credential of the key's scope), or None.
    """

    # Tokens whose signature was checked, kept for later requests: PyJWT
    # spends most of a request's CPU parsing and verifying the same token
    # again. Bounded; emptied when full.
    VERIFIED_MAX = 256

    def __init__(self, lookup, clock=time.time):
        self._lookup = lookup
        self._clock = clock
        self._loaded = {}
        self._verified = {}
        self._lock = threading.Lock()

    def _public_key(self, pem):
        with self._lock:
            key = self._loaded.get(pem)
            if key is None:
                key = serialization.load_pem_public_key(pem.encode('ascii'))
                self._loaded[pem] = key
            return key

    def _claims(self, token):
        """The key scope and claims of a token whose signature is good."""
        with self._lock:
            known = self._verified.get(token)
        if known is not None and self._lookup(known[0]) == known[2]:
            # Still signed by a registered key: only the time may have made
            # it invalid. A key removed or replaced takes the full check.
            return self._in_time(known[1], known[3])
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get('kid')
            key_scope, _ = split_kid(kid)
        except (jwt.PyJWTError, ValueError):
            raise errors.unauthenticated(
                'Unauthorized: authentication failed: malformed token')
        pem = self._lookup(kid)
        if pem is None:
            raise errors.unauthenticated(
                'Unauthorized: authentication failed: unknown key id %s'
                % kid)
        try:
            claims = jwt.decode(token, self._public_key(pem),
                                algorithms=['RS256'],
                                options={'verify_aud': False,
                                         'verify_exp': False,
                                         'verify_nbf': False,
                                         'verify_iat': False})
        except jwt.PyJWTError as exc:
            raise errors.unauthenticated(
                'Unauthorized: authentication failed: %s'
                % type(exc).__name__)
        with self._lock:
            if len(self._verified) >= self.VERIFIED_MAX:
                self._verified = {}
            self._verified[token] = (kid, key_scope, pem, claims)
        return self._in_time(key_scope, claims)

    def _in_time(self, key_scope, claims):
        problem = _time_problem(claims, self._clock())
        if problem is not None:
            raise errors.unauthenticated(
                'Unauthorized: authentication failed: %s' % problem)
        return key_scope, claims

    def authenticate(self, authorization):
        """Return the Principal of an Authorization header value.

        Raises a 401 ApiError for a missing, malformed, unknown, badly
        signed, not yet valid or expired token. The message never repeats
        the token.
        """
        if not authorization:
            raise errors.unauthenticated(
                'Unauthorized: authentication failed: no bearer token')
        scheme, _, token = authorization.strip().partition(' ')
        token = token.strip()
        if scheme.lower() != 'bearer' or not token:
            raise errors.unauthenticated(
                'Unauthorized: authentication failed: expected a bearer '
                'token')
        key_scope, claims = self._claims(token)
        audience = claims.get('aud')
        if audience is not None and AUDIENCE not in (
                [audience] if isinstance(audience, str) else audience):
            raise errors.unauthenticated(
                'Unauthorized: authentication failed: wrong audience')
        roles = claims.get('roles') or []
        if not isinstance(roles, list):
            raise errors.unauthenticated(
                'Unauthorized: authentication failed: malformed roles')
        granted = set()
        for role in roles:
            scope, sep, name = str(role).partition(':')
            # A project key may only grant roles in its own project; a
            # system key may grant any (DOC: "lbcli create jwt").
            if sep and (key_scope == SYSTEM_SCOPE or scope == key_scope):
                granted.add((scope, name))
        return Principal(roles=frozenset(granted),
                         subject=str(claims.get('sub', '')))
