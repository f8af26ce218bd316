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

"""Translate LightOS client errors into Cinder exceptions, in one place."""

import contextlib
import datetime

from cinder import exception as cinder_exception
from oslo_log import log as logging

from lightos_cinder.api import exception

LOG = logging.getLogger(__name__)


def _subject(volume_id=None, snapshot_id=None, project=None, uuid=None,
             name=None):
    """``Cinder volume X (LightOS project P, volume N, UUID U)``."""
    if snapshot_id:
        subject = 'Cinder snapshot %s' % snapshot_id
    elif volume_id:
        subject = 'Cinder volume %s' % volume_id
    else:
        subject = 'the LightOS cluster'
    where = []
    if project:
        where.append('LightOS project %s' % project)
    if name:
        where.append(name)
    if uuid:
        where.append('UUID %s' % uuid)
    if where:
        subject += ' (%s)' % ', '.join(where)
    return subject


def config_error(option, value, fix):
    """The Cinder exception for an option whose value cannot be used."""
    return cinder_exception.InvalidConfigurationValue(
        message='Invalid value %r for option %s: %s' % (value, option, fix))


@contextlib.contextmanager
def tokens_read():
    """Run the body; a configured JWT that cannot be read is a bad option."""
    try:
        yield
    except exception.TokenError as exc:
        raise cinder_exception.InvalidConfigurationValue(
            message='Cannot use a configured JWT: %s' % exc) from None


@contextlib.contextmanager
def token_checked(option, shown, whose=''):
    """Run the body; an unusable JWT is a bad value of ``option``.

    ``shown`` stands for the value (the file, or a mask); ``whose`` says
    which project's token it is.
    """
    try:
        yield
    except exception.TokenError as exc:
        raise config_error(
            option, shown,
            'the JWT%s cannot be used (%s); put the token issued by the '
            'cluster (lbcli create jwt) there' % (whose, exc)) from None


class Translator(object):
    """Builds context managers that turn client errors into Cinder ones.

    Knows the token source so that authentication failures can say whether
    the token is missing, expired or merely lacks access to a project.
    """

    def __init__(self, token_source=None, clock=None):
        self._token_source = token_source
        self._clock = clock or (
            lambda: datetime.datetime.now(datetime.timezone.utc))

    def _source(self, project=None):
        if self._token_source is None:
            return None
        return self._token_source.source_for(project)

    def _token_origin(self, project=None):
        source = self._source(project)
        path = getattr(source, 'path', None)
        if path:
            option = ('lightos_project_jwt_files[%s]' % project
                      if project and source is not self._source(None)
                      else 'lightos_jwt_file')
            return '%s %s' % (option, path)
        return getattr(source, 'origin', None) or 'lightos_jwt'

    def _token(self, project=None):
        source = self._source(project)
        if source is None:
            return None
        try:
            return source.get()
        except exception.TokenError:
            return None

    def explain_unauthorized(self, project=None):
        """Why the cluster answered 401, in words an operator can act on."""
        token = self._token(project)
        if token is None:
            return ('the cluster requires a JWT but none is configured; set '
                    'lightos_jwt or lightos_jwt_file (or a token of project '
                    '%s in lightos_project_jwt_files)' % (
                        project or '<project>'))
        origin = self._token_origin(project)
        expires = token.expires_at
        if expires is not None and expires <= self._clock():
            return ('the JWT in %s expired at %s; put a new token there'
                    % (origin, expires.isoformat()))
        return ('the cluster rejected the JWT in %s as invalid (not signed '
                'by a key the cluster trusts, or malformed); put a valid '
                'token there' % origin)

    def explain_forbidden(self, project=None):
        token = self._token(project)
        roles = ', '.join(token.roles) if token is not None else ''
        target = ('LightOS project %s' % project if project
                  else 'this cluster-level resource')
        return ('the JWT in %s (roles: %s) lacks access to %s; use a token '
                'with the %s:admin or system:cluster-admin role'
                % (self._token_origin(project), roles or 'none', target,
                   project or '<project>'))

    def cinder_error(self, exc, action, *, volume_id=None, snapshot_id=None,
                     project=None, uuid=None, name=None,
                     error=cinder_exception.VolumeBackendAPIException):
        """The Cinder exception for the client error ``exc``, not raised.

        For callers that decide on the client error first and still tell
        it as :meth:`translated` would; the arguments are the same.
        """
        subject = _subject(volume_id, snapshot_id, project, uuid, name)
        if isinstance(exc, exception.NotFound):
            message = 'Could not %s: %s not found on the cluster (%s)' % (
                action, subject, exc)
            if snapshot_id:
                return cinder_exception.SnapshotNotFound(
                    message=message, snapshot_id=snapshot_id)
            if volume_id:
                return cinder_exception.VolumeNotFound(
                    message=message, volume_id=volume_id)
            return error(message=message)
        if isinstance(exc, exception.Unauthorized):
            return cinder_exception.InvalidAuthKey(
                reason='could not %s for %s: %s (%s %s returned 401)' % (
                    action, subject, self.explain_unauthorized(project),
                    exc.method, exc.path))
        if isinstance(exc, exception.Forbidden):
            return cinder_exception.NotAuthorized(
                message='Could not %s for %s: %s (%s %s returned 403)' % (
                    action, subject, self.explain_forbidden(project),
                    exc.method, exc.path))
        message = 'Could not %s for %s: %s' % (action, subject, exc)
        if error is cinder_exception.ExtendVolumeError:
            return error(reason=message)
        return error(message=message)

    @contextlib.contextmanager
    def translated(self, action, *, volume_id=None, snapshot_id=None,
                   project=None, uuid=None, name=None,
                   error=cinder_exception.VolumeBackendAPIException):
        """Run the body; re-raise client errors as Cinder exceptions.

        ``action`` completes "Could not ..." in the message; the ids name
        what was being worked on. Cinder exceptions pass through unchanged.
        ``error`` is the Cinder class for everything that is not a missing
        object or an authentication problem.
        """
        try:
            yield
        except cinder_exception.CinderException:
            raise
        except exception.LightOSError as exc:
            raise self.cinder_error(
                exc, action, volume_id=volume_id, snapshot_id=snapshot_id,
                project=project, uuid=uuid, name=name, error=error) from exc
