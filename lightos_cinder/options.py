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

"""Configuration options of the LightOS volume driver."""

import copy
import itertools

from oslo_config import cfg
from oslo_config import types

# Options shared with Cinder's in-tree LightOS driver. Their names, types and
# defaults must stay identical: both drivers register them in cinder.conf's
# [backend_defaults] group, and an operator switching drivers keeps the same
# backend section.
compatible_opts = [
    cfg.ListOpt('lightos_api_address',
                default=None,
                item_type=types.IPAddress(),
                help='Comma-separated IP addresses of the LightOS API '
                     'services, normally one per cluster node. Requests go '
                     'to the endpoint that last answered and move on to the '
                     'next address when an endpoint cannot be reached.'),
    cfg.PortOpt('lightos_api_port',
                default=443,
                help='TCP port of the LightOS API service on every address '
                     'in lightos_api_address. The API is always spoken over '
                     'HTTPS; see driver_ssl_cert_verify and '
                     'driver_ssl_cert_path for certificate checks.'),
    cfg.StrOpt('lightos_jwt',
               default=None,
               secret=True,
               help='JSON Web Token sent as a bearer token on every API '
                    'request. Leave unset only when the cluster runs with '
                    'multi-tenancy disabled. lightos_jwt_file, when set, '
                    'takes precedence.'),
    cfg.IntOpt('lightos_default_num_replicas',
               min=1,
               max=3,
               default=3,
               help='Replica count of volumes whose volume type does not set '
                    'lightos:num_replicas.'),
    cfg.BoolOpt('lightos_default_compression_enabled',
                default=False,
                help='Whether volumes are compressed when their volume type '
                     'has no "compression" extra spec.'),
    cfg.IntOpt('lightos_api_service_timeout',
               default=30,
               help='Seconds one API endpoint has to answer a request (the '
                    'read timeout of one attempt) when it is the last one '
                    'left to try; while others are left, requests safe to '
                    'send twice wait only the hedge delay (see '
                    'lightos_api_hedge_min_delay). Connecting is bounded '
                    'separately by lightos_api_connect_timeout.'),
    cfg.BoolOpt('lightos_use_ipacl',
                default=True,
                help='Also restrict volume access by host IP address. A '
                     'host must be listed in both the NVMe ACL (its host '
                     'NQN, always managed) and the IP ACL of a volume to '
                     'reach it. When True the driver adds the IP addresses '
                     'of an attaching host to the IP ACL and removes them on '
                     'detach; when False volumes are created with an IP ACL '
                     'that allows any address.'),
    cfg.IntOpt('lightos_api_service_snapshots_max_calls',
               default=5,
               help='How many times a snapshot creation is attempted while '
                    'the cluster answers that the source volume is busy.'),
]

# Options of this driver only.
driver_opts = [
    cfg.StrOpt('lightos_jwt_file',
               default=None,
               help='Path of a file holding the JWT (overrides lightos_jwt). '
                    'The file is read again whenever it changes, so a token '
                    'can be rotated without restarting cinder-volume.'),
    cfg.FloatOpt('lightos_api_connect_timeout',
                 default=3.0,
                 min=0.1,
                 help='Seconds allowed to open a connection to one API '
                      'endpoint. A short value finds a dead node quickly; '
                      'the endpoint is then skipped for '
                      'lightos_api_endpoint_retry_interval seconds.'),
    cfg.IntOpt('lightos_api_endpoint_retry_interval',
               default=30,
               min=0,
               help='Seconds an API endpoint that refused a connection or '
                    'timed out is skipped before it is tried again (unless '
                    'every endpoint is in that state).'),
    cfg.IntOpt('lightos_api_request_deadline',
               default=120,
               min=1,
               help='Upper bound in seconds for one REST call including '
                    'every endpoint tried and every back-off after a 429 or '
                    '503 answer.'),
    cfg.FloatOpt('lightos_api_hedge_min_delay',
                 default=0.5,
                 min=0.05,
                 help='Shortest time in seconds a request waits for an '
                      'answer from one API endpoint before it is sent to the '
                      'next one (hedging), while another endpoint is left to '
                      'try. The delay follows the answer times seen (smoothed '
                      'time plus four deviations) between this and '
                      'lightos_api_hedge_max_delay. Only requests that are '
                      'safe to send twice are hedged: reads, updates, '
                      'deletes, and creates, whose name is looked up on the '
                      'next endpoint first. The endpoint that did not answer '
                      'is skipped for lightos_api_endpoint_retry_interval '
                      'seconds. The last endpoint tried waits the full '
                      'lightos_api_service_timeout.'),
    cfg.FloatOpt('lightos_api_hedge_max_delay',
                 default=5.0,
                 min=0,
                 help='Longest hedge delay in seconds (see '
                      'lightos_api_hedge_min_delay). 0 turns hedging off: '
                      'every endpoint then gets the full '
                      'lightos_api_service_timeout.'),
    cfg.IntOpt('lightos_rpc_call_budget',
               default=0,
               min=0,
               help='Seconds an operation that the Cinder API service waits '
                    'for over RPC (initialize_connection and '
                    'terminate_connection, under attach and detach) may '
                    'spend talking to the cluster, requests, back-offs and '
                    'waits included, so that it answers (or fails with a '
                    'reason) before the caller gives up. 0 uses three '
                    'quarters of [DEFAULT] rpc_response_timeout (45 s at its '
                    'default of 60 s). Operations Cinder casts (create, '
                    'delete, extend, snapshots) are bounded per request by '
                    'lightos_api_request_deadline and per wait by '
                    'lightos_state_wait_timeout instead.'),
    cfg.IntOpt('lightos_detach_settle_time',
               default=10,
               min=0,
               max=60,
               help='Seconds within which Cinder removes the attachment of a '
                    'completed detach. Cinder does not tell the driver which '
                    'attachment a detach is for: when a detach kept a '
                    "host's access for another attachment on that host, a "
                    'later detach from the host waits (up to this long '
                    'after the first) for one of the attachments the first '
                    'saw to go; if none goes, the first detach did not '
                    'complete in Cinder (its cinder-api call died or timed '
                    'out) and no longer counts, so retrying it cannot '
                    'revoke access that another attachment still uses. Too '
                    'short for a slow cinder-api, two concurrent detaches '
                    'from one host may leave that host access after both.'),
    cfg.IntOpt('lightos_state_wait_timeout',
               default=300,
               min=1,
               help='Seconds to wait for a volume or snapshot to reach the '
                    'state an operation needs (for example Available after '
                    'creation, or gone after deletion).'),
    cfg.PortOpt('lightos_discovery_port',
                default=8009,
                help='TCP port of the NVMe/TCP discovery service on each '
                     'cluster node, handed to the discovery client on '
                     'compute hosts.'),
    cfg.IntOpt('lightos_node_refresh_interval',
               default=300,
               min=0,
               help='Seconds after which the list of cluster nodes and their '
                    'data addresses is read again for the next attach. 0 '
                    'reads it on every attach.'),
    cfg.IntOpt('lightos_capacity_max_age',
               default=300,
               min=0,
               help='Seconds for which the capacity last read from the '
                    'cluster is still reported when reading it fails (API '
                    'unreachable or failing). After that the backend '
                    'reports 0 GiB total and free capacity, so that the '
                    'scheduler places no new volume on it until the '
                    'cluster answers again. Capacity is read once per '
                    'backend_stats_polling_interval (60 s by default), so '
                    'the default rides out four failed reads in a row; 0 '
                    'reports no capacity at the first failed read.'),
]

# Options of this driver beyond the in-tree one's capabilities.
tenancy_opts = [
    cfg.ListOpt('lightos_api_hostnames',
                default=None,
                item_type=types.HostAddress(),
                help='Host names (or addresses) of the LightOS API services, '
                     'used instead of lightos_api_address when set, so that '
                     'TLS verification can match certificates that name the '
                     'nodes by DNS name. lightos_api_address keeps the type '
                     "of Cinder's in-tree driver (IP addresses only) so the "
                     'two drivers can share a backend section.'),
    cfg.DictOpt('lightos_project_jwt_files',
                default={},
                help='Per-project JWT files, as project:path pairs. '
                     'Requests about a project listed here carry the token '
                     'read from its file (re-read whenever the file '
                     'changes); other projects use lightos_jwt_file or '
                     'lightos_jwt. Takes precedence over '
                     'lightos_project_jwts for the same project.'),
    cfg.DictOpt('lightos_project_jwts',
                default={},
                secret=True,
                help='Per-project JWTs, as project:token pairs. Prefer '
                     'lightos_project_jwt_files, which can be rotated '
                     'without a restart.'),
]

lightos_opts = compatible_opts + driver_opts + tenancy_opts


# Cinder's own options that a LightOS backend section sets. Cinder registers
# them; these copies only document them in the sample configuration and the
# option reference, with the values a LightOS backend uses.
cinder_backend_opts = [
    cfg.StrOpt('volume_driver',
               default='lightos_cinder.driver.LightOSVolumeDriver',
               help="Cinder's option naming the driver class of the backend. "
                    'Cinder defaults to its LVM driver, so every LightOS '
                    'backend section sets it to this value.'),
    cfg.StrOpt('volume_backend_name',
               help="Cinder's option: the name volume types select the "
                    'backend by (their volume_backend_name extra spec).'),
    cfg.BoolOpt('driver_ssl_cert_verify',
                default=False,
                help="Cinder's option: verify the TLS certificate of the "
                     'LightOS API. Turn it on in production, with '
                     'driver_ssl_cert_path for a private CA.'),
    cfg.StrOpt('driver_ssl_cert_path',
               help="Cinder's option: the CA bundle (PEM) that signed the "
                    'LightOS API certificates; unset means the system CA '
                    'store. Used when driver_ssl_cert_verify is true.'),
]


def list_opts():
    """Return the options for oslo-config-generator.

    The group is named after the placeholder backend section an operator
    copies into cinder.conf (for example ``[lightos]``): Cinder's options
    that the section needs first, then the driver's own.
    """
    return [('backend', copy.deepcopy(list(itertools.chain(
        cinder_backend_opts, lightos_opts))))]
