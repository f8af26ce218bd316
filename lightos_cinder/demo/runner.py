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

"""Runs the demo: simulator, cinder.conf, Cinder, the story, the checks."""

import os
import shutil
import signal
import tempfile
import threading

from cinder import exception as cinder_exception

from lightos_cinder.api import client as client_mod
from lightos_cinder.api import credentials
from lightos_cinder.api import exception
from lightos_cinder.api import transport as transport_mod
from lightos_cinder.demo import cast
from lightos_cinder.demo import cinderconf
from lightos_cinder.demo import clusterview
from lightos_cinder.demo import harness
from lightos_cinder.demo import leftovers
from lightos_cinder.demo import progress as progress_mod
from lightos_cinder.demo import report
from lightos_cinder.demo import story as story_mod
from lightos_cinder.demo import tokens
from lightos_cinder import simulator

BACKEND = 'lightos'
HOST = 'demo'
VOLUME_DRIVER = 'lightos_cinder.driver.LightOSVolumeDriver'

NOTHING_LEFT = 'Nothing left behind'

_PROJECTS = tuple(t.project for t in cast.TENANTS)

# What a failed step can raise; anything else is a defect and keeps its
# traceback.
_STORY_ERRORS = (progress_mod.StepFailed, harness.SetupError,
                 cinder_exception.CinderException, exception.LightOSError)


def _cluster_client(sim):
    """A client for the demo's own reads, with a read-only token.

    The token is not the driver's, so the per-token counts tell the
    driver's requests from the demo's.
    """
    token = sim.mint_token(
        roles=tokens.viewer_roles(_PROJECTS).split(','))
    transport = transport_mod.Transport(
        sim.addresses, sim.port,
        token_source=credentials.TokenSource(value=token),
        verify=sim.ca_path)
    return client_mod.LightOSClient(transport)


def _start_simulator(args, out):
    out.section('LightOS simulator')
    sim = simulator.Simulator(
        nodes=3, create_delay_ms=args.delay_ms,
        update_delay_ms=args.delay_ms, delete_delay_ms=args.delay_ms,
        workdir=os.path.join(args.workdir, 'simulator'))
    with out.step('start 3 nodes') as step:
        sim.start()
        step.result = 'HTTPS on %s port %d, CA %s' % (
            ', '.join(sim.addresses), sim.port, sim.ca_path)
    if args.delay_ms:
        out.say('    state transitions take %d ms' % args.delay_ms)
    with out.step('create the Lightbits projects') as step:
        for tenant in cast.TENANTS:
            sim.create_project(tenant.project)
        step.result = ', '.join(t.project for t in cast.TENANTS)
    return sim


def _start_cinder(sim, args, out):
    out.section('Cinder (API, scheduler and volume services in-process)')
    # Tokens stay in files (lightos_jwt_file for the system token, one per
    # tenant in lightos_project_jwt_files), so the section can be shown.
    with out.step('mint a project-admin token per tenant') as step:
        paths = tokens.mint_project_tokens(
            sim, _PROJECTS, os.path.join(args.workdir, 'tokens'))
        step.result = ', '.join('%s in %s' % (
            tokens.admin_roles(project), os.path.basename(paths[project]))
            for project in _PROJECTS)
    section = cinderconf.set_option(sim.cinder_conf(BACKEND, jwt='file'),
                                    'volume_driver', VOLUME_DRIVER)
    section = cinderconf.set_option(section, 'lightos_project_jwt_files',
                                    tokens.option_value(paths))
    conf_path, log_file = cinderconf.write(args.workdir, HOST, BACKEND,
                                           section)
    out.say('    %s, backend section:' % conf_path)
    out.block(section, indent='      ')
    cinder = harness.Cinder(conf_path, BACKEND, HOST)
    with out.step('migrate the database, start the services') as step:
        cinder.start()
        stats = cinder.volume_manager.last_capabilities or {}
        step.result = '%s@%s: %s %s, %s' % (
            HOST, BACKEND, stats.get('vendor_name', '?'),
            stats.get('storage_protocol', '?'),
            cinder.volume_manager.driver.__class__.__name__)
    return cinder, conf_path, log_file


def _tell(story, out):
    story.create_types()
    story.create_volumes()
    story.live_migrate()
    story.snapshot_clone_extend()
    out.section("Cinder's view and the cluster's view")
    rows = story.compare()
    out.block(report.format_comparison(rows), indent='  ')
    differing = [row for row in rows if row.differences()]
    story.detach()
    story.delete_all()
    return differing


def _check_leftovers(cinder, cluster, sim, out):
    out.section('Leftovers')
    found = (leftovers.cinder_leftovers(
        cinder.admin_context(), [t.project for t in cast.TENANTS]) +
        leftovers.cluster_leftovers(cluster, sim.state()))
    out.block(report.format_leftovers(found), indent='  ')
    return [item for item in found if item.count]


def _show_traffic(sim, out):
    """Print the API traffic per node and per token; return token problems.

    The counts are the simulator's: which token each request it answered
    carried, so a tenant line shows that tenant's requests were served with
    its own token.
    """
    counters = sim.counters()
    out.section('API traffic')
    nodes = ', '.join('%s %d (%d)' % (address, node['requests'],
                                      node['connections'])
                      for address, node in sorted(counters['nodes'].items()))
    out.say('  requests per node (connections), driver and demo: %s; '
            '%d writes' % (nodes, counters['writes']))
    holders = [(tokens.admin_roles(p), p) for p in _PROJECTS] + [
        (tokens.SYSTEM_ROLES, 'default'),
        (tokens.viewer_roles(_PROJECTS), 'demo reads')]
    rows = tokens.usage(counters['callers'], holders)
    out.say('  requests per token, as the cluster counted them:')
    out.block(tokens.format_usage(rows), indent='    ')
    for row in rows[:len(_PROJECTS)]:
        out.say('  %s: %d requests served with its own token (%s), %d '
                'refused' % (row.holder, row.requests, row.roles,
                             row.denied))
    return tokens.problems(rows, _PROJECTS)


def _keep_running(sim, conf_path, out):
    out.section('Simulator left running (--keep)')
    out.say('  cinder.conf: %s' % conf_path)
    out.say('  backend section for another cinder-volume:')
    out.block(sim.cinder_conf(BACKEND), indent='    ')
    out.say('  Press Ctrl-C to stop.')
    _stop_on_signals()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        out.say()


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _stop_on_signals():
    """Make Ctrl-C and a plain ``kill`` end the wait, whatever was inherited.

    A shell starts background jobs with SIGINT ignored, and a parent may
    have it blocked; either way the demo would never stop and clean up.
    """
    for signo in _STOP_SIGNALS:
        signal.signal(signo, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def run(args, out=None):
    """Run the demo; return the exit status."""
    out = out or progress_mod.Progress()
    own_workdir = not args.workdir
    args.workdir = os.path.abspath(
        args.workdir or tempfile.mkdtemp(prefix='lightos-demo-'))
    os.makedirs(args.workdir, exist_ok=True)
    status = 1
    log_file = None
    sim = _start_simulator(args, out)
    cinder = None
    try:
        cinder, conf_path, log_file = _start_cinder(sim, args, out)
        cluster = clusterview.ClusterView(
            _cluster_client(sim), _PROJECTS,
            {h.nqn: h.name for h in cast.COMPUTE_HOSTS})
        story = story_mod.Story(cinder, cluster, out, BACKEND, log_file)
        differing = _tell(story, out)
        left = _check_leftovers(cinder, cluster, sim, out)
        token_problems = _show_traffic(sim, out)
        out.say()
        for problem in token_problems:
            out.say('FAILED: %s.' % problem)
        if differing:
            out.say('FAILED: Cinder and the cluster disagree on %d '
                    'resource(s); see the table above.' % len(differing))
        if left:
            out.say('FAILED: %d kind(s) of resource left behind; see the '
                    'table above.' % len(left))
        else:
            out.say('%s: Cinder and the cluster are empty again.'
                    % NOTHING_LEFT)
        status = 1 if differing or left or token_problems else 0
        out.say('Finished in %.1f s.' % out.elapsed)
        if args.keep:
            _keep_running(sim, conf_path, out)
    except _STORY_ERRORS as exc:
        out.say()
        out.say('FAILED: %s' % exc)
    finally:
        if cinder is not None:
            cinder.stop()
        sim.stop()
    if status and log_file:
        out.say('Cinder log: %s' % log_file)
    elif own_workdir and not args.keep:
        shutil.rmtree(args.workdir, ignore_errors=True)
    return status
