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

"""``lightos-cinder demo`` end to end, in a process of its own as tox runs it.

The demo configures Cinder's global state (oslo.config, the database, the
RPC and oslo.service backends) for itself, so it runs as a subprocess; the
last test checks in-process that the final check does see leftovers.
"""

import os
import re
import signal
import subprocess
import sys
import threading

import pytest

from lightos_cinder.api import client as client_mod
from lightos_cinder.api import credentials
from lightos_cinder.api import exception
from lightos_cinder.api import transport as transport_mod
from lightos_cinder.demo import clusterview
from lightos_cinder.demo import leftovers
from tests.functional import clients

DEMO = [sys.executable, '-m', 'lightos_cinder.cmd.main', 'demo']
# Generous: the demo itself takes a few seconds, but CI machines are shared.
TIMEOUT = 300
# Volumes: three tiers for two tenants, a volume from a snapshot and a
# clone; plus the snapshot.
EXPECTED_ROWS = 9


def _section(stdout, title):
    """The non-blank lines of the output section headed ``== title``."""
    return [line for line in _section_lines(stdout, title) if line.strip()]


def _section_lines(stdout, title):
    lines = stdout.splitlines()
    start = lines.index('== %s' % title) + 1
    end = next((i for i in range(start, len(lines))
                if lines[i].startswith('== ')), len(lines))
    return lines[start:end]


def _table_rows(stdout, title):
    """Rows of a section's table: from its ``---`` rule to a blank line."""
    lines = _section_lines(stdout, title)
    rule = next(i for i, line in enumerate(lines)
                if line.strip().startswith('---'))
    rows = []
    for line in lines[rule + 1:]:
        if not line.strip():
            break
        rows.append(line)
    return rows


TENANTS = ('tenant-a', 'tenant-b')


def _token_paths(workdir):
    return [os.path.join(workdir, 'simulator', 'system.jwt')] + [
        os.path.join(workdir, 'tokens', '%s.jwt' % tenant)
        for tenant in TENANTS]


def _secrets(workdir):
    found = []
    for path in _token_paths(workdir):
        with open(path) as handle:
            found.append(handle.read().strip())
    return found


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory):
    """One demo run with slow state transitions, shared by the checks."""
    workdir = str(tmp_path_factory.mktemp('demo'))
    result = subprocess.run(
        DEMO + ['--workdir', workdir, '--delay-ms', '30'],
        capture_output=True, text=True, timeout=TIMEOUT)
    return workdir, result


def test_demo_exits_zero_with_nothing_left_behind(demo_run):
    _, result = demo_run
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Traceback' not in result.stderr
    assert 'FAILED' not in result.stdout
    assert ('Nothing left behind: Cinder and the cluster are empty again.'
            in result.stdout)
    rows = _table_rows(result.stdout, 'Leftovers')
    # Cinder: volumes, snapshots, attachments, types, quota of 2 tenants;
    # cluster: API volumes, API snapshots, simulator records per tenant.
    assert len(rows) == 12
    for row in rows:
        assert re.search(r'\s0\s*$', row), row


def test_demo_views_agree_at_the_peak(demo_run):
    _, result = demo_run
    rows = _table_rows(result.stdout, "Cinder's view and the cluster's view")
    assert len(rows) == EXPECTED_ROWS, rows
    assert all(row.rstrip().endswith('| ok') for row in rows), rows
    gold = [row for row in rows
            if '| gold-1 ' in row and 'tenant-a' in row]
    # The multi-attached volume: both hosts in Cinder's and the cluster's
    # ACL column.
    assert len(gold) == 1 and gold[0].count('compute-1,compute-2') == 2


def test_demo_shows_the_multi_attach_acl_steps(demo_run):
    _, result = demo_run
    steps = _section(result.stdout, 'Multi-attach: a server live-migrates '
                                    'from compute-1 to compute-2')
    assert 'cluster ACL compute-1 (' in steps[0]
    assert 'cluster ACL compute-1,compute-2 (' in steps[1]
    detach = _section(result.stdout, 'Detach: the migration completes, '
                                     'then the server lets go')
    assert 'in-use; cluster ACL compute-2 (' in detach[0]
    assert 'available; cluster ACL ALLOW_NONE (' in detach[1]


def test_demo_uses_this_projects_driver(demo_run):
    workdir, _ = demo_run
    with open(os.path.join(workdir, 'cinder.conf')) as handle:
        conf = handle.read()
    assert ('volume_driver = lightos_cinder.driver.LightOSVolumeDriver'
            in conf)
    with open(os.path.join(workdir, 'cinder.log')) as handle:
        log = handle.read()
    assert 'Starting volume driver LightOSVolumeDriver' in log


def test_demo_never_shows_a_token(demo_run):
    workdir, result = demo_run
    tokens = _secrets(workdir)
    assert len(set(tokens)) == 3 and all(tokens)
    with open(os.path.join(workdir, 'cinder.log')) as handle:
        log = handle.read()
    for text in (result.stdout, result.stderr, log):
        for token in tokens:
            assert token not in text


def test_demo_gives_each_tenant_a_token_file(demo_run):
    workdir, _ = demo_run
    with open(os.path.join(workdir, 'cinder.conf')) as handle:
        conf = handle.read()
    system, *tenants = _token_paths(workdir)
    assert 'lightos_jwt_file = %s\n' % system in conf
    assert 'lightos_project_jwt_files = %s\n' % ','.join(
        '%s:%s' % pair for pair in zip(TENANTS, tenants)) in conf
    for path in tenants:
        assert os.stat(path).st_mode & 0o077 == 0


def test_demo_serves_each_tenant_with_its_own_token(demo_run):
    _, result = demo_run
    lines = _section(result.stdout, 'API traffic')
    # The table is indented below its title; the tenant lines follow it.
    table = [row for row in _table_rows(result.stdout, 'API traffic')
             if row.startswith('    ')]
    assert len(table) == 4, table
    counted = {}
    for row in table:
        roles, requests, refused = row.split()[-3:]
        counted[roles] = (int(requests), int(refused))
    for tenant in TENANTS:
        requests, refused = counted['%s:admin' % tenant]
        # Every step of the story reaches the cluster for both tenants.
        assert requests >= 10 and refused == 0, table
        assert ('  %s: %d requests served with its own token (%s:admin), '
                '0 refused' % (tenant, requests, tenant)) in lines
    # The driver's default token only serves cluster-wide requests, and
    # no request anywhere was refused.
    assert counted['system:cluster-admin'][0] > 0
    assert all(refused == 0 for _, refused in counted.values()), table
    total = sum(int(n) for n in re.findall(
        r'127\.0\.0\.\d+ (\d+) \(', lines[0]))
    assert total == sum(requests for requests, _ in counted.values())


def _as_background_job():
    # What a non-interactive shell does to a job started with '&'.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize('stop', [signal.SIGINT, signal.SIGTERM],
                         ids=['SIGINT', 'SIGTERM'])
def test_keep_leaves_the_simulator_serving(tmp_path, stop):
    workdir = str(tmp_path)
    proc = subprocess.Popen(DEMO + ['--keep', '--workdir', workdir],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_as_background_job)
    watchdog = threading.Timer(TIMEOUT, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if 'Press Ctrl-C to stop.' in line:
                break
        text = ''.join(lines)
        assert 'Nothing left behind' in text, text + proc.stderr.read()
        port = int(re.search(r'lightos_api_port = (\d+)', text).group(1))
        addresses = re.search(r'lightos_api_address = (\S+)',
                              text).group(1).split(',')
        transport = transport_mod.Transport(
            addresses, port,
            token_source=credentials.TokenSource(
                path=os.path.join(workdir, 'simulator', 'system.jwt')),
            verify=os.path.join(workdir, 'simulator', 'ca.pem'))
        with transport:
            names = {p.name for p in
                     client_mod.LightOSClient(transport).list_projects()}
        assert {'tenant-a', 'tenant-b'} <= names
        proc.send_signal(stop)
        assert proc.wait(timeout=60) == 0
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_leftover_check_sees_a_stray_volume(sim):
    sim.create_project('tenant-a')
    client = clients.make_client(sim)
    with client.transport:
        view = clusterview.ClusterView(client, ['tenant-a'], {})
        clean = leftovers.cluster_leftovers(view, sim.state())
        assert [item.count for item in clean] == [0, 0, 0]
        client.create_volume('tenant-a', 'stray', 1 << 30, replica_count=1,
                             compression=False)
        found = leftovers.cluster_leftovers(view, sim.state())
    assert [(item.place, item.count, item.detail) for item in found] == [
        ('API', 1, 'stray'), ('API', 0, ''), ('simulator', 1, 'stray')]


def test_simulator_counts_requests_per_token(sim):
    """Requests are counted per token; another project's token is 403."""
    for tenant in TENANTS:
        sim.create_project(tenant)
    token = sim.mint_token(roles=('tenant-a:admin',))
    client = clients.make_client(sim, token)
    with client.transport:
        assert client.list_volumes('tenant-a') == []
        with pytest.raises(exception.Forbidden):
            client.list_volumes('tenant-b')
    assert sim.counters()['callers'] == {
        'tenant-a:admin': {'requests': 2, 'denied': 1}}
