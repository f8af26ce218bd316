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

"""The LightOS JWT: a masked token wrapper and its (re)loadable source."""

import base64
import binascii
import datetime
import grp
import json
import os
import re
import stat
import threading

from oslo_log import log as logging

from lightos_cinder.api import exception

LOG = logging.getLogger(__name__)

# Tokens this close to expiry are logged as a warning when loaded, and
# again once per REMINDER_INTERVAL while they are in use.
EXPIRY_WARNING = datetime.timedelta(days=7)
REMINDER_INTERVAL = datetime.timedelta(days=1)

# Visible ASCII only: requests refuses a header value with a line break in
# it with an error that quotes the value, and so the token.
_TOKEN_PATTERN = re.compile(r'^[\x21-\x7e]+$')


class Token(object):
    """A bearer token whose text never shows in a repr, str or log line."""

    __slots__ = ('_value',)

    def __init__(self, value):
        if not isinstance(value, str) or not value.strip():
            raise exception.TokenError('The JWT is empty.')
        # Tokens copied from files or command output often end in a newline,
        # which is not part of the token.
        value = value.strip()
        if not _TOKEN_PATTERN.match(value):
            # The message never quotes the value: it is (almost) a secret.
            raise exception.TokenError(
                'The JWT holds white space, control or non-ASCII '
                'characters; put the token on one line, as issued.')
        self._value = value

    @property
    def value(self):
        """The token text, for the Authorization header only."""
        return self._value

    def __repr__(self):
        return '<Token ***>'

    __str__ = __repr__

    def __eq__(self, other):
        if not isinstance(other, Token):
            return NotImplemented
        return self._value == other._value

    def __hash__(self):
        return hash(self._value)

    def __reduce__(self):
        # Keep the token out of pickles (and hence of any serialised state).
        raise TypeError('Token objects cannot be pickled')

    def claims(self):
        """Decode the payload without verifying the signature.

        Only the cluster can verify the token; the claims are read to tell
        the operator which scope it carries and when it expires.
        """
        parts = self._value.split('.')
        if len(parts) != 3:
            raise exception.TokenError(
                'The JWT is not made of three dot-separated parts.')
        payload = parts[1]
        try:
            raw = base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4))
            claims = json.loads(raw)
        except (binascii.Error, ValueError):
            raise exception.TokenError(
                'The JWT payload is not base64url-encoded JSON.') from None
        if not isinstance(claims, dict):
            raise exception.TokenError('The JWT payload is not a JSON object.')
        return claims

    def _claims_or_empty(self):
        try:
            return self.claims()
        except exception.TokenError:
            return {}

    @property
    def expires_at(self):
        """UTC datetime of the ``exp`` claim, or None (absent/undecodable)."""
        exp = self._claims_or_empty().get('exp')
        if isinstance(exp, bool) or not isinstance(exp, (int, float)):
            return None
        try:
            return datetime.datetime.fromtimestamp(exp, datetime.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None

    @property
    def roles(self):
        """The ``roles`` claim as a tuple of ``'<scope>:<role>'`` strings."""
        roles = self._claims_or_empty().get('roles')
        if isinstance(roles, str):
            return (roles,)
        if not isinstance(roles, (list, tuple)):
            return ()
        return tuple(str(role) for role in roles)


def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def describe_token(token, origin, now=None):
    """Log which scope a token carries and when it expires.

    Warns when the token has expired or expires within EXPIRY_WARNING.
    """
    now = now or _utc_now()
    try:
        token.claims()
    except exception.TokenError as exc:
        LOG.warning('The JWT from %(origin)s cannot be decoded (%(err)s); '
                    'the cluster will decide whether it is valid.',
                    {'origin': origin, 'err': exc})
        return
    roles = ', '.join(token.roles) or 'none'
    expires = token.expires_at
    if expires is None:
        LOG.info('Using the JWT from %(origin)s: roles %(roles)s, no expiry '
                 'time.', {'origin': origin, 'roles': roles})
        return
    LOG.info('Using the JWT from %(origin)s: roles %(roles)s, expires at '
             '%(exp)s.', {'origin': origin, 'roles': roles,
                          'exp': expires.isoformat()})
    warn_if_expiring(expires, origin, now)


def warn_if_expiring(expires, origin, now):
    """Warn when ``expires`` has passed or is within EXPIRY_WARNING."""
    if expires <= now:
        LOG.warning('The JWT from %(origin)s expired at %(exp)s; the cluster '
                    'will reject every request until it is replaced.',
                    {'origin': origin, 'exp': expires.isoformat()})
    elif expires - now < EXPIRY_WARNING:
        LOG.warning('The JWT from %(origin)s expires at %(exp)s, in less '
                    'than %(days)d days; replace it (lightos_jwt_file is '
                    're-read without a restart).',
                    {'origin': origin, 'exp': expires.isoformat(),
                     'days': EXPIRY_WARNING.days})


# The documented mode of a token file is 0640 (owner root, group of
# cinder-volume); any other bit lets more people read or replace the token.
DOCUMENTED_MODE = 0o640


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def file_exposure(path, groups=None):
    """The file's mode and how it is more open than 0640 allows.

    Reading the file gives the token's roles on the cluster; writing it
    replaces the token cinder-volume uses. No problems: a list that is
    empty. ``groups`` are this service's group ids (the process's groups
    when not given).
    """
    if groups is None:
        groups = {os.getegid()} | set(os.getgroups())
    info = os.stat(path)
    mode = stat.S_IMODE(info.st_mode)
    problems = []
    if mode & stat.S_IWGRP:
        problems.append('writable by its group %s' % _group_name(
            info.st_gid))
    if mode & stat.S_IROTH:
        problems.append('readable by every user')
    if mode & stat.S_IWOTH:
        problems.append('writable by every user')
    if mode & (stat.S_IXGRP | stat.S_IXOTH):
        problems.append('executable by group or others')
    if mode & stat.S_IRGRP and info.st_gid not in groups:
        # Group read is what 0640 gives cinder-volume's group; a group the
        # service is not in only widens who may read.
        problems.append('readable by group %s, which this service is not '
                        'in' % _group_name(info.st_gid))
    return mode, problems


def exposure_warning(path, option):
    """What to tell about a token file more open than 0640, or None."""
    try:
        mode, problems = file_exposure(path)
    except OSError:
        # A file that cannot be read fails the token checks instead.
        return None
    if not problems:
        return None
    return ('JWT file %(path)s (%(option)s) has mode %(mode)04o: '
            '%(problems)s; others could read or replace the token that acts '
            'on the cluster. Restrict it: chmod %(want)04o %(path)s; chown '
            'root:%(group)s %(path)s.' % {
                'path': path, 'option': option, 'mode': mode,
                'want': DOCUMENTED_MODE, 'problems': ', '.join(problems),
                'group': _group_name(os.getegid())})


class TokenSource(object):
    """The configured JWT: a fixed value or a file that is re-read.

    A file (``path``) takes precedence over ``value``. It is read again
    whenever its modification time, size or inode changes, so a rotated token
    is used without a restart. The file is first read by the constructor,
    which raises TokenError if it cannot be. If a later re-read fails (the
    file is being replaced or is briefly empty), the previous token stays in
    use and a warning is logged.

    On its own it is also a token set (the interface of
    :class:`ProjectTokens`) whose one token serves every project.
    """

    def __init__(self, value=None, path=None, *, now=_utc_now, origin=None,
                 option='lightos_jwt_file'):
        self._path = path or None
        # The option that names the file, for errors about reading it.
        self._option = option
        # How logs and errors name the token: its file, or the option.
        self.origin = self._path or origin or 'lightos_jwt'
        self._now = now
        self._lock = threading.Lock()
        self._token = None
        self._stamp = None
        self._next_reminder = None
        if self._path is not None:
            # Read now, so a missing or empty file fails at setup.
            self.get()
        elif value:
            self._use(Token(value))

    def __repr__(self):
        return '<TokenSource %s>' % self.origin

    @property
    def path(self):
        return self._path

    # The token-set interface, with this token for every project.

    @property
    def default(self):
        return self

    @property
    def projects(self):
        return ()

    def source_for(self, project=None):
        return self

    def sources(self):
        return [(None, self)]

    def get(self):
        """Return the current Token, or None when no token is configured."""
        with self._lock:
            if self._path is not None:
                stamp = self._stat()
                if stamp != self._stamp or self._token is None:
                    self._load(stamp)
            if self._token is not None:
                self._remind()
            return self._token

    def _use(self, token):
        self._token = token
        describe_token(token, self.origin, self._now())
        self._next_reminder = self._now() + REMINDER_INTERVAL

    def _remind(self):
        """Repeat the expiry warning daily for a long-running service."""
        now = self._now()
        if now < self._next_reminder:
            return
        self._next_reminder = now + REMINDER_INTERVAL
        expires = self._token.expires_at
        if expires is not None:
            warn_if_expiring(expires, self.origin, now)

    def reload(self):
        """Read the file again now; return True if the token changed."""
        if self._path is None:
            return False
        with self._lock:
            previous = self._token
            self._load(self._stat())
            return self._token != previous

    def _stat(self):
        try:
            info = os.stat(self._path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def _load(self, stamp):
        try:
            with open(self._path, encoding='utf-8') as token_file:
                text = token_file.read()
            token = Token(text)
        except OSError as exc:
            self._fail(stamp, exc.strerror or exc.__class__.__name__)
            return
        except UnicodeDecodeError:
            self._fail(stamp, 'not UTF-8 text')
            return
        except exception.TokenError as exc:
            self._fail(stamp, str(exc))
            return
        self._stamp = stamp
        if token != self._token:
            self._use(token)

    def _fail(self, stamp, reason):
        # The reason never quotes file content: it could be the token.
        if self._token is None:
            raise exception.TokenError(
                'Cannot read the JWT from %s %s: %s' %
                (self._option, self._path, reason))
        # Remember the stamp so a broken file warns once, not on every call.
        self._stamp = stamp
        LOG.warning('Cannot read the JWT from %(path)s (%(reason)s); still '
                    'using the previous token.',
                    {'path': self._path, 'reason': reason})


class ProjectTokens(object):
    """One token source per LightOS project, and a default for the rest.

    Requests about project X carry X's token when X has one, else the
    default token (``lightos_jwt``/``lightos_jwt_file``). Requests about no
    project (cluster information) use the default, or the first project's
    token when there is no default.

    The token-set interface (``default``, ``projects``, ``source_for``,
    ``sources``) is what the transport, the translator and the
    configuration checks use; a lone TokenSource offers it too.
    """

    def __init__(self, default=None, projects=None):
        self.default = default
        self._projects = dict(projects or {})

    def __repr__(self):
        return '<ProjectTokens default=%r projects=%s>' % (
            self.default, sorted(self._projects))

    @property
    def projects(self):
        """Names of the projects with a token of their own, sorted."""
        return tuple(sorted(self._projects))

    def source_for(self, project=None):
        """The TokenSource for requests about ``project`` (or None)."""
        if project is not None and project in self._projects:
            return self._projects[project]
        if self.default is not None or project is not None:
            return self.default
        for name in self.projects:
            return self._projects[name]
        return None

    def sources(self):
        """``[(project or None, TokenSource)]``: the default first."""
        found = [(None, self.default)] if self.default is not None else []
        return found + [(name, self._projects[name])
                        for name in self.projects]


def tokens_from_config(conf):
    """ProjectTokens from the driver options, or None when none is set.

    :raises TokenError: when a configured token file cannot be read.
    """
    jwt = getattr(conf, 'lightos_jwt', None)
    jwt_file = getattr(conf, 'lightos_jwt_file', None)
    default = (TokenSource(value=jwt, path=jwt_file)
               if jwt or jwt_file else None)
    projects = {}
    for project, value in sorted(
            (getattr(conf, 'lightos_project_jwts', None) or {}).items()):
        projects[project] = TokenSource(
            value=value, origin='lightos_project_jwts[%s]' % project)
    for project, path in sorted(
            (getattr(conf, 'lightos_project_jwt_files', None) or {}).items()):
        # A file wins over a value for the same project, as for the
        # default token.
        projects[project] = TokenSource(
            path=path, option='lightos_project_jwt_files[%s]' % project)
    if default is None and not projects:
        return None
    return ProjectTokens(default, projects)
