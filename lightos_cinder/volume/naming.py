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

"""Names on the cluster and the provider_id that locates a Cinder volume."""

import dataclasses

from oslo_config import cfg
from oslo_log import log as logging

from lightos_cinder.volume import specs

CONF = cfg.CONF
CONF.import_opt('volume_name_template', 'cinder.db.api')
CONF.import_opt('snapshot_name_template', 'cinder.db.api')

LOG = logging.getLogger(__name__)

# Prefix of the temporary snapshot a volume clone is made from; the in-tree
# driver uses the same one, so a leftover from either driver is recognised.
CLONE_SNAPSHOT_PREFIX = 'for_clone_'


@dataclasses.dataclass(frozen=True)
class Location:
    """Where a Cinder volume lives: its project and, when known, UUID."""

    project: str
    uuid: str = None

    @property
    def provider_id(self):
        """``"<project> <uuid>"``, or just the project when no UUID is known.

        The format is the in-tree driver's, so volumes move freely between
        the two drivers.
        """
        return '%s %s' % (self.project, self.uuid) if self.uuid else (
            self.project)


def volume_name(volume):
    """``volume-<id>`` on the cluster; ``name_id`` follows migrations."""
    return CONF.volume_name_template % volume.name_id


def snapshot_name(snapshot):
    return CONF.snapshot_name_template % snapshot.id


def clone_snapshot_name(volume):
    return '%s%s' % (CLONE_SNAPSHOT_PREFIX, volume.id)


def parse_provider_id(provider_id):
    """Return the Location recorded in a provider_id, or None."""
    if not provider_id:
        return None
    fields = provider_id.split()
    if len(fields) == 1:
        return Location(fields[0])
    if len(fields) == 2:
        return Location(fields[0], fields[1])
    LOG.warning('Ignoring the malformed provider_id %r of a LightOS volume.',
                provider_id)
    return None


def location_of(volume):
    """The Location of a volume without asking the cluster.

    The provider_id is authoritative; volumes that predate it fall back to
    the project of their volume type (which a retype could have changed,
    hence the preference). The UUID may be unknown: callers resolve it by
    name.
    """
    location = parse_provider_id(volume.get('provider_id'))
    if location is not None:
        return location
    return Location(specs.parse_project(
        specs.extra_specs_of(volume).get(specs.PROJECT_NAME)))
