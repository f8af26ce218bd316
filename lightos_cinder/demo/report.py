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

"""Side-by-side tables of Cinder's and the cluster's view of the volumes."""

import dataclasses

GIB = 1024 ** 3

# (attribute, label) of the fields both sides must agree on.
_FIELDS = (('project', 'project'), ('replicas', 'replicas'),
           ('compression', 'compression'), ('size_bytes', 'size'),
           ('acl', 'ACL'))


@dataclasses.dataclass(frozen=True)
class View:
    """What one side (Cinder or the cluster) says about one resource.

    On Cinder's side, project, replicas and compression come from the
    volume type's extra specs and the ACL from the volume's attachments; on
    the cluster's side they are what the LightOS API reports. ACL entries
    are display labels (compute host names where the NQN is known).
    """

    name: str
    project: str
    replicas: int
    compression: bool
    size_bytes: int
    acl: tuple = ()


@dataclasses.dataclass(frozen=True)
class Row:
    """One volume or snapshot; a side is None where it is missing."""

    kind: str
    cinder: View = None
    cluster: View = None

    def differences(self):
        """Names of the fields on which the two sides disagree."""
        if self.cinder is None:
            return ('not in Cinder',)
        if self.cluster is None:
            return ('not on the cluster',)
        return tuple(label for name, label in _FIELDS
                     if getattr(self.cinder, name) !=
                     getattr(self.cluster, name))


@dataclasses.dataclass(frozen=True)
class Leftover:
    """How many of one kind of resource remain in one place."""

    place: str
    what: str
    count: int
    detail: str = ''


def format_size(size_bytes):
    if size_bytes % GIB == 0:
        return '%d GiB' % (size_bytes // GIB)
    return '%d B' % size_bytes


def short_name(name, width=19):
    """``volume-<uuid>`` names cut to fit a table column."""
    if len(name) <= width:
        return name
    return name[:width - 3] + '...'


def format_table(headers, rows, gaps=()):
    """Align ``rows`` (sequences of str) under ``headers``.

    ``gaps`` lists column indexes before which a ``|`` divider goes.
    """
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]

    def line(cells):
        parts = []
        for index, (cell, width) in enumerate(zip(cells, widths)):
            if index in gaps:
                parts.append('|')
            parts.append(cell.ljust(width))
        return ' '.join(parts).rstrip()

    rule = line(['-' * w for w in widths]).replace('|', '+')
    return '\n'.join([line(headers), rule] + [line(r) for r in rows])


def _side(view):
    if view is None:
        return ['(missing)', '', '', '', '', '']
    return [short_name(view.name), view.project, str(view.replicas),
            'yes' if view.compression else 'no',
            format_size(view.size_bytes), ','.join(view.acl) or '-']


def format_comparison(rows):
    """The side-by-side table; the last column says where they differ."""
    headers = ['kind',
               'Cinder name', 'project', 'rep', 'comp', 'size', 'ACL',
               'cluster name', 'project', 'rep', 'comp', 'size', 'ACL',
               'match']
    body = []
    for row in rows:
        diff = row.differences()
        body.append([row.kind] + _side(row.cinder) + _side(row.cluster) +
                    ['ok' if not diff else 'DIFF: ' + ', '.join(diff)])
    return format_table(headers, body, gaps=(1, 7, 13))


def format_leftovers(leftovers):
    headers = ['where', 'what', 'left', 'detail']
    body = [[item.place, item.what, str(item.count), item.detail]
            for item in leftovers]
    return format_table(headers, body)
