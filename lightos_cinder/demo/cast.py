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

"""Who and what the story is about: tenants, service tiers, compute hosts."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Tier:
    """A service level, offered to each tenant as a private volume type."""

    name: str
    replicas: int
    compression: bool
    multiattach: bool = False

    def type_name(self, project):
        return '%s-%s' % (project, self.name)

    def extra_specs(self, backend_name, project):
        specs = {
            'volume_backend_name': backend_name,
            'lightos:num_replicas': str(self.replicas),
            'compression': '<is> %s' % self.compression,
            'lightos:project_name': project,
        }
        if self.multiattach:
            specs['multiattach'] = '<is> True'
        return specs


@dataclasses.dataclass(frozen=True)
class Tenant:
    """A Cinder project; its Lightbits project has the same name."""

    project: str
    user: str


@dataclasses.dataclass(frozen=True)
class ComputeHost:
    """A nova-compute host, known to Cinder by its os-brick connector."""

    name: str
    ip: str
    nqn: str

    def connector(self):
        # What os-brick's get_connector_properties reports on a host with
        # the NVMe/TCP initiator and the Lightbits discovery client running.
        return {
            'platform': 'x86_64', 'os_type': 'linux', 'multipath': False,
            'host': self.name, 'ip': self.ip, 'host_ips': [self.ip],
            'nqn': self.nqn, 'found_dsc': 'found', 'do_local_attach': False,
        }


TIERS = (Tier('gold', 3, True, multiattach=True),
         Tier('silver', 2, True),
         Tier('bronze', 1, False))
TENANTS = (Tenant('tenant-a', 'alice'), Tenant('tenant-b', 'bob'))
COMPUTE_HOSTS = (
    ComputeHost('compute-1', '127.0.1.1',
                'nqn.2014-08.org.nvmexpress:uuid:'
                '5a1e0c1e-0000-4000-8000-000000000001'),
    ComputeHost('compute-2', '127.0.1.2',
                'nqn.2014-08.org.nvmexpress:uuid:'
                '5a1e0c1e-0000-4000-8000-000000000002'),
)
# The nova server whose volume follows it from compute-1 to compute-2.
SERVER_UUID = '3f0c7d52-6a0e-4c4b-9d0e-5e2b7a1c9f10'
