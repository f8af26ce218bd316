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

"""Exceptions raised by the LightOS REST transport and client.

Nothing here imports Cinder: the driver translates these into Cinder
exceptions at its boundary. No exception ever carries request headers, so the
JWT cannot leak through an exception's text.
"""


class LightOSError(Exception):
    """Base class of every error raised by this package's REST layer."""


class LightOSAPIError(LightOSError):
    """The API service answered with an error status."""

    status = None

    def __init__(self, method, path, status=None, message=None,
                 request_id=None, endpoint=None):
        self.method = method
        self.path = path
        if status is not None:
            self.status = status
        self.server_message = message
        self.request_id = request_id
        self.endpoint = endpoint
        super().__init__(self._describe())

    def _describe(self):
        text = '%s %s returned %s' % (self.method, self.path, self.status)
        if self.endpoint:
            text += ' from %s' % self.endpoint
        if self.server_message:
            text += ': %s' % self.server_message
        if self.request_id:
            text += ' (request id %s)' % self.request_id
        return text


class BadRequest(LightOSAPIError):
    status = 400


class Unauthorized(LightOSAPIError):
    status = 401


class Forbidden(LightOSAPIError):
    status = 403


class NotFound(LightOSAPIError):
    status = 404


class Conflict(LightOSAPIError):
    status = 409


class PreconditionFailed(LightOSAPIError):
    status = 412


class ServiceUnavailable(LightOSAPIError):
    """429 or 503: the service asks the caller to come back later."""

    status = 503

    def __init__(self, *args, retry_after=None, **kwargs):
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ServerError(LightOSAPIError):
    """Any other 5xx answer."""

    status = 500


_STATUS_TABLE = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    429: ServiceUnavailable,
    503: ServiceUnavailable,
}


def exception_for_status(status):
    """Return the exception class for an HTTP error status."""
    if status in _STATUS_TABLE:
        return _STATUS_TABLE[status]
    if 500 <= status < 600:
        return ServerError
    return LightOSAPIError


class LightOSConnectionError(LightOSError):
    """No configured API endpoint could be reached.

    ``failures`` is a list of ``(endpoint, reason)`` pairs, one per attempt.
    """

    def __init__(self, method, path, failures):
        self.method = method
        self.path = path
        self.failures = list(failures)
        detail = '; '.join('%s: %s' % (ep, why) for ep, why in self.failures)
        reached = [why for ep, why in self.failures if ep.startswith('http')]
        if reached and all('TLS error' in why for why in reached):
            # The nodes answered; only their certificate was refused, so
            # addresses and port are right and the trust settings are not.
            super().__init__(
                'No LightOS API endpoint could be trusted for %s %s (%s). '
                'Check driver_ssl_cert_path (the CA bundle that signed the '
                'API certificates) and that lightos_api_hostnames or '
                'lightos_api_address name the nodes as their certificates '
                'do.' % (method, path, detail))
            return
        super().__init__(
            'No LightOS API endpoint answered %s %s (%s). Check '
            'lightos_api_address, lightos_api_port and that the API service '
            'runs on the cluster nodes.' % (method, path, detail or
                                            'no endpoint configured'))


class InvalidName(LightOSError, ValueError):
    """A project, volume or snapshot name breaks the LightOS name rules."""


class TokenError(LightOSError):
    """The configured JWT cannot be read or decoded."""


class NotReady(LightOSError):
    """A polled resource is not yet in the awaited state."""

    def __init__(self, state, detail=None, retry_after=None):
        self.state = state
        # Seconds the other side asked to wait (Retry-After), if it did.
        self.retry_after = retry_after
        super().__init__(detail or 'not ready (state %s)' % state)


class OperationFailed(LightOSError):
    """A polled resource reached a terminal state other than the goal."""

    def __init__(self, what, state):
        self.what = what
        self.state = state
        super().__init__('%s reached state %s' % (what, state))


class WaitTimeout(LightOSError):
    """The awaited state was not reached before the deadline."""

    def __init__(self, what, timeout, last_state=None):
        self.what = what
        self.timeout = timeout
        self.last_state = last_state
        super().__init__('Timed out after %.1f s waiting for %s (last state '
                         'seen: %s)' % (timeout, what, last_state))
