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

"""The demo's per-project tokens and the requests each one carried."""

import dataclasses
import os

from lightos_cinder.demo import report

# What the cluster calls the token with the system cluster-admin role.
SYSTEM_ROLES = 'system:cluster-admin'


def admin_roles(project):
    return '%s:admin' % project


def viewer_roles(projects):
    return ','.join(sorted('%s:viewer' % project for project in projects))


@dataclasses.dataclass(frozen=True)
class Usage:
    """Requests the cluster answered for one token, and 403s among them.

    ``roles`` names the token the way the simulator counts it (its roles,
    sorted); ``holder`` says who was given it.
    """

    holder: str
    roles: str
    requests: int
    denied: int


def write_secret(path, text):
    """Write ``text`` to a file only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write(text)


def mint_project_tokens(sim, projects, directory):
    """A project-admin JWT per project, each in a file; {project: path}."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    paths = {}
    for project in projects:
        path = os.path.join(directory, '%s.jwt' % project)
        write_secret(path, sim.mint_token(roles=(admin_roles(project),)) +
                     '\n')
        paths[project] = path
    return paths


def option_value(paths):
    """``lightos_project_jwt_files``: project:path pairs."""
    return ','.join('%s:%s' % (project, paths[project])
                    for project in sorted(paths))


def usage(callers, holders):
    """Usage rows of ``holders`` ([(roles, holder)]) from the counters.

    ``callers`` is the simulator's per-token count; tokens nobody was
    given are listed last as ``unexpected``.
    """
    rows = []
    for roles, holder in holders:
        seen = callers.get(roles) or {}
        rows.append(Usage(holder, roles, seen.get('requests', 0),
                          seen.get('denied', 0)))
    known = {roles for roles, _ in holders}
    for roles in sorted(set(callers) - known):
        seen = callers[roles]
        rows.append(Usage('unexpected', roles, seen['requests'],
                          seen['denied']))
    return rows


def problems(rows, projects):
    """What the counts show went wrong, as sentences.

    Empty when each tenant's requests carried its own token and nothing
    was refused.
    """
    found = []
    by_roles = {row.roles: row for row in rows}
    for project in projects:
        row = by_roles.get(admin_roles(project))
        if row is None or not row.requests:
            found.append('no request carried the token of %s' % project)
    for row in rows:
        if row.denied:
            found.append('%d request(s) with the %s token (%s) were refused '
                         'with 403' % (row.denied, row.holder, row.roles))
        elif row.holder == 'unexpected':
            found.append('%d request(s) carried a token nobody was given '
                         '(%s)' % (row.requests, row.roles))
    return found


def format_usage(rows):
    return report.format_table(
        ['token', 'roles', 'requests', 'refused (403)'],
        [[row.holder, row.roles, str(row.requests), str(row.denied)]
         for row in rows])
