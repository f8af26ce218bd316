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

"""The ``lightos-cinder simulator`` command: run a simulated cluster."""

import signal
import sys
import threading

from lightos_cinder.simulator import discovery
from lightos_cinder.simulator import simulator as simulator_mod


def register(subparsers):
    parser = subparsers.add_parser(
        'simulator',
        help='Run a simulated LightOS cluster on loopback addresses.',
        description='Serve the LightOS REST API from simulated nodes until '
                    'interrupted (SIGINT or SIGTERM), and print a '
                    'cinder.conf backend section that uses them.')
    parser.add_argument('--nodes', type=int, default=3,
                        help='number of nodes (default: 3)')
    parser.add_argument('--ips', default=None,
                        help='comma-separated loopback addresses, one per '
                             'node (default: 127.0.0.11, 127.0.0.12, ...)')
    parser.add_argument('--port', type=int, default=0,
                        help='API port shared by all nodes (default: a '
                             'free port)')
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument('--tls', dest='tls', action='store_true', default=True,
                     help='serve HTTPS with a generated CA (default)')
    tls.add_argument('--no-tls', dest='tls', action='store_false',
                     help='serve plain HTTP')
    parser.add_argument('--no-auth', dest='auth', action='store_false',
                        default=True,
                        help='accept requests without a JWT (a cluster '
                             'with multi-tenancy disabled)')
    for name in ('create', 'update', 'delete'):
        parser.add_argument('--%s-delay-ms' % name, type=int, default=0,
                            help='milliseconds a volume or snapshot spends '
                                 'in the transitional state after a %s '
                                 '(default: 0)' % name)
    parser.add_argument('--etag-mismatch-status', type=int, default=412,
                        choices=(412, 400),
                        help='status of a stale If-Match (default: 412)')
    parser.add_argument('--workdir', default=None,
                        help='directory for ca.pem and system.jwt '
                             '(default: a temporary directory)')
    parser.add_argument('--state-file', default=None,
                        help='keep the cluster state in this JSON file so '
                             'that it survives a restart')
    parser.add_argument('--data-dir', default=None,
                        help='keep the data of every volume and snapshot '
                             'in a sparse file under this directory '
                             '(default: metadata only)')
    parser.add_argument('--discovery-dir', action='append', default=[],
                        help='with --data-dir, also run an emulated '
                             'discovery-client (root only) that watches '
                             'this directory (os-brick\'s '
                             'lightos_discovery_client_dir_path) and '
                             'exposes attached volumes as block devices; '
                             'repeat it for each host of this machine '
                             'that has a directory of its own')
    parser.add_argument('--discovery-client-port', type=int,
                        default=discovery.DEFAULT_PORT,
                        help='port of the emulated discovery-client on '
                             '127.0.0.1 (default: %(default)s)')
    parser.add_argument('--host-ip', action='append', default=[],
                        help='an address of this host as the IP-ACL '
                             'checks it (repeat for several)')
    parser.add_argument('--admin-port', type=int, default=0,
                        help='port of the admin endpoint on 127.0.0.1 '
                             '(default: a free port; -1 disables it)')
    parser.add_argument('--backend', default='lightos',
                        help='name of the printed cinder.conf section')
    parser.add_argument('--inline-jwt', action='store_true',
                        help='print lightos_jwt with the token instead of '
                             'lightos_jwt_file')
    parser.set_defaults(func=run)
    return parser


def build(args):
    ips = [ip.strip() for ip in args.ips.split(',')] if args.ips else None
    return simulator_mod.Simulator(
        nodes=args.nodes, ips=ips, port=args.port, tls=args.tls,
        auth=args.auth, create_delay_ms=args.create_delay_ms,
        update_delay_ms=args.update_delay_ms,
        delete_delay_ms=args.delete_delay_ms,
        etag_mismatch_status=args.etag_mismatch_status,
        workdir=args.workdir,
        admin_port=None if args.admin_port < 0 else args.admin_port,
        state_file=args.state_file, data_dir=args.data_dir)


def run(args, out=sys.stdout, stop_event=None):
    """Run until SIGINT/SIGTERM (or ``stop_event``); return 0."""
    stop = stop_event or threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(
                signum, lambda *unused: stop.set())
    sim = build(args)
    try:
        sim.start()
        if args.discovery_dir:
            if not args.data_dir:
                raise SystemExit('--discovery-dir needs --data-dir')
            first, *others = args.discovery_dir
            agent = sim.start_discovery_client(
                first, extra_dirs=others, port=args.discovery_client_port,
                host_ips=args.host_ip)
            out.write('Discovery-client emulation: http://%s:%d/metrics, '
                      'watching %s\n' % (agent.address, agent.port,
                                         ', '.join(agent.discovery_dirs)))
        out.write('LightOS simulator: %d nodes at %s\n' % (
            len(sim.addresses), ', '.join(sim.urls)))
        if sim.admin_url:
            out.write('Admin endpoint: %s\n' % sim.admin_url)
        if sim.token_path:
            out.write('System JWT (system:cluster-admin): %s\n'
                      % sim.token_path)
        out.write('\n# cinder.conf\n%s\n' % sim.cinder_conf(
            args.backend, jwt='inline' if args.inline_jwt else 'file'))
        out.flush()
        stop.wait()
    finally:
        sim.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0
