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

"""``lightos-cinder check-config``: a backend as cinder-volume would see it."""

import logging
import warnings

from cinder import exception as cinder_exception
from oslo_config import cfg
import urllib3

from lightos_cinder.api import client as client_module
from lightos_cinder.api import credentials
from lightos_cinder.api import exception
from lightos_cinder.api import transport as transport_module
from lightos_cinder.checkconfig import loader
from lightos_cinder.checkconfig import remote
from lightos_cinder.checkconfig import report as report_module
from lightos_cinder import driver as driver_module
from lightos_cinder.volume import specs
from lightos_cinder.volume import validation

PASS, WARN, FAIL = report_module.PASS, report_module.WARN, report_module.FAIL


def _pick_backend(conf):
    """The one enabled backend that runs a LightOS driver, or None."""
    found = []
    for backend in [b for b in (conf.enabled_backends or []) if b]:
        try:
            name = loader.BackendConf(conf, backend).volume_driver
        except (cfg.Error, ValueError):
            continue
        if name in (loader.DRIVER, loader.IN_TREE_DRIVER):
            found.append(backend)
    return found[0] if len(found) == 1 else None


def check_driver_options(section, report):
    """The driver's own start-up checks; return its token source."""
    try:
        tokens = credentials.tokens_from_config(section)
    except exception.TokenError as exc:
        report.add(FAIL, 'config', 'Cannot use a configured JWT: %s' % exc)
        return None, False
    problems = validation.config_problems(section, tokens)
    for problem in problems:
        report.add(FAIL, 'config', str(problem))
    for message in validation.token_file_warnings(tokens):
        report.add(WARN, 'token', message)
    return tokens, not problems


def check_setup(section, backend, report):
    """Run the driver's do_setup on this configuration, as the service."""
    drv = driver_module.LightOSVolumeDriver(
        configuration=section, host='check-config@%s' % backend)
    try:
        drv.do_setup(None)
        drv.check_for_setup_error()
    except cinder_exception.CinderException as exc:
        message = str(exc)
        if not any(message in line for line in report.failures()):
            report.add(FAIL, 'setup', 'the driver refuses to start: %s'
                       % message)
    else:
        report.add(PASS, 'setup', 'the driver starts with this '
                   'configuration')
    finally:
        if drv._client is not None:
            drv._client.transport.close()


def _remote_checks(conf, section, backend, tokens, extra_projects, report):
    if not remote.check_endpoints(section, tokens, report):
        # Every later check would repeat that no endpoint answers.
        remote.check_tokens(tokens, report)
        return
    transport = transport_module.Transport.from_config(
        section, token_source=tokens,
        deadline=section.lightos_api_service_timeout)
    try:
        before = report.failed
        remote.check_tokens(tokens, report, transport)
        if report.failed > before:
            # A refused token makes every later request a 401.
            return
        client = client_module.LightOSClient(transport)
        info = remote.check_cluster(client, report, section)
        # Types are checked against what the cluster supports: a node in
        # maintenance refuses some creates for a while (reported above)
        # but does not make a type wrong.
        max_replicas = ((info.supported_max_replicas or specs.MAX_REPLICAS)
                        if info is not None else specs.MAX_REPLICAS)
        wanted = remote.check_types(conf, section, backend, client,
                                    max_replicas, report)
        remote.check_projects(wanted, transport, tokens, extra_projects,
                              report)
    finally:
        transport.close()
    check_setup(section, backend, report)


def run_checks(config_files, backend=None, extra_projects=(), out=print,
               config_dirs=(), cinder_db=None):
    """Run every check; return the number of failures."""
    report = report_module.Report(out)
    try:
        _run(report, config_files, config_dirs, backend, extra_projects,
             cinder_db)
    finally:
        verdict = 'FAILED' if report.failed else 'OK'
        out('%s: %d check(s) failed' % (verdict, report.failed))
    return report.failed


def _run(report, config_files, config_dirs, backend, extra_projects,
         cinder_db=None):
    try:
        conf = loader.load(config_files, config_dirs)
    except cfg.Error as exc:
        report.add(FAIL, 'config', '%s; cinder-volume cannot read its '
                   'configuration either' % exc)
        return
    if cinder_db:
        conf.set_override('connection', cinder_db, group='database')
    backend = backend or _pick_backend(conf)
    if backend is None:
        report.add(FAIL, 'config', 'no single enabled backend has volume_'
                   'driver = %s; name the backend section with --backend'
                   % loader.DRIVER)
        return
    fatal = False
    for status, option, message in loader.problems(conf, backend):
        report.add(status, 'config', message)
        # Values that do not parse stop the service before the driver
        # runs; everything else only changes what it does.
        fatal = fatal or (status == FAIL and option not in (
            'enabled_backends', 'volume_driver'))
    if fatal:
        return
    section = loader.BackendConf(conf, backend)
    tokens, usable = check_driver_options(section, report)
    if usable:
        _remote_checks(conf, section, backend, tokens, extra_projects,
                       report)


def _main(args):
    # Each problem is a line of the report: urllib3's per-request warning
    # about unverified TLS and the driver's log lines would repeat them.
    library_log = logging.getLogger('lightos_cinder')
    level = library_log.level
    library_log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                'ignore', urllib3.exceptions.InsecureRequestWarning)
            return 1 if run_checks(args.config_file, args.backend,
                                   args.project,
                                   config_dirs=args.config_dir,
                                   cinder_db=args.cinder_db) else 0
    finally:
        library_log.setLevel(level)


def register(subparsers):
    parser = subparsers.add_parser(
        'check-config', help='check a LightOS backend of cinder.conf',
        description='Read the configuration as cinder-volume does (every '
                    '--config-file and --config-dir in order, '
                    '[backend_defaults], the same option types) and check '
                    'the backend section, the driver\'s own start-up '
                    'checks, the API endpoints (reachability, TLS, '
                    'latency), the tokens (validity, expiry, scope), the '
                    'volume types of the backend (when [database] '
                    'connection is readable), access to their projects and '
                    'the cluster (subsystem NQN, nodes, capacity). Prints '
                    'one line per check; exits 1 when a check fails.')
    parser.add_argument('--config-file', action='append', default=[],
                        help='a configuration file, as for cinder-volume '
                             '(repeatable; default: '
                             '/etc/cinder/cinder.conf)')
    parser.add_argument('--config-dir', action='append', default=[],
                        help='a directory of *.conf files, as for '
                             'cinder-volume (repeatable)')
    parser.add_argument('--backend',
                        help='name of the backend section, e.g. lightos '
                             '(default: the one enabled backend with the '
                             'LightOS driver)')
    parser.add_argument('--cinder-db', metavar='URL',
                        help="Cinder's database (an SQLAlchemy URL, as "
                             '[database] connection) to read the volume '
                             'types from (default: [database] connection '
                             'of the configuration)')
    parser.add_argument('--project', action='append', default=[],
                        help='also check access to this LightOS project '
                             '(repeatable)')
    parser.set_defaults(func=_main)
