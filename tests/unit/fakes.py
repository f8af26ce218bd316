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

"""Test doubles shared by the unit tests: a clock and JWTs."""

import os
import time

import jwt

# 2100-01-01: a token built without a lifetime is the same on every call.
FAR_FUTURE = 4102444800


def make_jwt(jti='1', roles=('system:cluster-admin',), expires_in=None,
             exp=FAR_FUTURE, **claims):
    """An HS256 JWT in LightOS's claim layout (``kid``, ``roles``, ``exp``).

    ``expires_in`` (seconds from now) sets ``exp``; ``exp=None`` leaves
    the claim out.
    """
    payload = {'aud': 'LightOS', 'sub': 'lightos-client', 'jti': jti,
               'roles': list(roles)}
    if expires_in is not None:
        exp = int(time.time()) + expires_in
    if exp is not None:
        payload['exp'] = exp
    payload.update(claims)
    return jwt.encode(payload, 'unit-test-signing-secret-0123456789abcdef',
                      algorithm='HS256', headers={'kid': 'system:root'})


def write_token(path, text):
    """Write a token file as tools do (with a newline), visibly changed."""
    path.write_text(text + '\n')
    # Make the change visible even on file systems with coarse mtimes.
    stamp = os.stat(path).st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        # A zero or negative sleep means a backoff computed wrongly: the
        # caller would spin instead of waiting.
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds
