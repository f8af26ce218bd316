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

"""Out-of-process control: the admin endpoint, persistence and the CLI."""

import argparse
import configparser
import io
import os
import selectors
import signal
import subprocess
import sys
import threading
import time

import requests

from lightos_cinder.cmd import main as cmd_main
from lightos_cinder.simulator import cli
from lightos_cinder.simulator import Simulator
from tests.functional.simulator.helpers import Api
from tests.functional.simulator.helpers import wait_until


def _admin(sim, method, path, body=None):
    answer = requests.request(method, sim.admin_url + path, json=body,
                              timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_admin_endpoint_controls_the_simulator(tmp_path):
    with Simulator(nodes=2, ips=['127.0.0.41', '127.0.0.42'],
                   workdir=str(tmp_path), admin_port=0,
                   create_delay_ms=600000) as sim:
        assert sim.admin_url.startswith('http://127.0.0.1:')
        _admin(sim, 'POST', '/projects', {'name': 'tenant'})
        token = _admin(sim, 'POST', '/tokens',
                       {'roles': ['tenant:admin'], 'kid': 'tenant:k'})
        api = Api(sim, token=token['token'])
        vol = api.create_volume(project='tenant', replicaCount=2)
        state = _admin(sim, 'GET', '/state')
        assert [v['UUID'] for v in state['projects']['tenant']['volumes']
                ] == [vol['UUID']]
        _admin(sim, 'POST', '/volume-state', {
            'project': 'tenant', 'uuid': vol['UUID'], 'state': 'Available'})
        etag = _admin(sim, 'POST', '/bump-etag',
                      {'project': 'tenant', 'uuid': vol['UUID']})['ETag']
        assert api.volume(vol['UUID'], project='tenant').json()[
            'ETag'] == etag
        _admin(sim, 'POST', '/faults', {'node': 1, 'kind': 'status',
                                        'status': 500, 'count': 1})
        assert api.get('/api/v2/version', node=1).status_code == 500
        _admin(sim, 'POST', '/faults', {'node': 1, 'kind': 'status',
                                        'status': 502})
        _admin(sim, 'DELETE', '/faults?node=1')
        assert api.get('/api/v2/version', node=1).status_code == 200
        counters = _admin(sim, 'GET', '/counters')
        assert counters['writes'] == 1
        bad = requests.post(sim.admin_url + '/faults',
                            json={'node': 0, 'kind': 'nope'}, timeout=5)
        assert bad.status_code == 400
        _admin(sim, 'POST', '/reset')
        assert _admin(sim, 'GET', '/state')['projects'] == {
            'default': {'volumes': [], 'snapshots': []}}
        api.close()


def test_state_file_survives_a_restart(tmp_path):
    state_file = str(tmp_path / 'state.json')
    kwargs = dict(nodes=1, ips=['127.0.0.51'], workdir=str(tmp_path),
                  state_file=state_file)
    with Simulator(**kwargs) as first:
        token = first.system_token
        with open(first.ca_path) as handle:
            ca = handle.read()
        vol = Api(first).create_volume(replicaCount=1)
    with Simulator(**kwargs) as second:
        api = Api(second, token=token)  # the old token still verifies
        with open(second.ca_path) as handle:
            assert handle.read() == ca
        again = api.volume(vol['UUID'])
        assert again.status_code == 200
        assert again.json()['state'] == 'Available'
        assert api.create_volume('vol-2', replicaCount=1)['nsid'] == 2
        api.close()


def test_cli_prints_a_working_cinder_conf_section():
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(['simulator', '--nodes', '2', '--ips',
                              '127.0.0.61,127.0.0.62', '--backend', 'demo'])
    out, stop = io.StringIO(), threading.Event()
    runner = threading.Thread(target=cli.run, args=(args, out, stop))
    runner.start()
    try:
        wait_until(lambda: '[demo]' in out.getvalue(), what='the CLI')
        conf = configparser.ConfigParser()
        conf.read_string(out.getvalue().split('# cinder.conf\n', 1)[1])
        section = conf['demo']
        with open(section['lightos_jwt_file']) as handle:
            token = handle.read().strip()
        assert section['driver_ssl_cert_verify'] == 'True'
        for address in section['lightos_api_address'].split(','):
            answer = requests.get(
                'https://%s:%s/api/v2/clusterinfo' % (
                    address, section['lightos_api_port']),
                headers={'Authorization': 'Bearer %s' % token},
                verify=section['driver_ssl_cert_path'], timeout=5)
            assert answer.status_code == 200
        assert token not in out.getvalue()
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()


def test_the_command_is_registered():
    args = cmd_main.build_parser().parse_args(
        ['simulator', '--no-tls', '--create-delay-ms', '200'])
    assert args.func is cli.run
    assert args.tls is False and args.create_delay_ms == 200


def test_the_command_runs_until_sigterm(tmp_path):
    command = [sys.executable, '-m', 'lightos_cinder.cmd.main', 'simulator',
               '--nodes', '2', '--ips', '127.0.0.71,127.0.0.72',
               '--workdir', str(tmp_path), '--admin-port', '-1']
    process = subprocess.Popen(command, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    try:
        output = b''
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + 30
            while b'driver_ssl_cert_path' not in output:
                assert selector.select(deadline - time.monotonic()), \
                    'no cinder.conf section printed: %r' % output
                chunk = os.read(process.stdout.fileno(), 65536)
                assert chunk, 'the command exited: %r' % output
                output += chunk
        lines = output.decode('utf-8').splitlines(True)
        conf = configparser.ConfigParser()
        conf.read_string(''.join(lines).split('# cinder.conf\n', 1)[1])
        port = conf['lightos']['lightos_api_port']
        answer = requests.get(
            'https://127.0.0.72:%s/api/v2/version' % port,
            headers={'Authorization': 'Bearer %s' % (
                tmp_path / 'system.jwt').read_text().strip()},
            verify=str(tmp_path / 'ca.pem'), timeout=5)
        assert answer.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        process.stdout.close()
