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

"""The simulator runs without Cinder, os-brick or any driver module."""

import json
import subprocess
import sys

# Run in a fresh interpreter: starts the simulator through the command's
# own parser (as `lightos-cinder simulator` does), creates a volume over
# HTTPS with the system token, stops it, and prints what it loaded.
_PROBE = r'''
import json
import os
import re
import ssl
import sys
import threading
import time
import urllib.request

from lightos_cinder.cmd import main

workdir = sys.argv[1]
argv = ['simulator', '--nodes', '1', '--workdir', workdir]
args = main.build_parser(argv).parse_args(argv)


class Out:
    text = ''

    def write(self, text):
        self.text += text

    def flush(self):
        pass


out = Out()
stop = threading.Event()
runner = threading.Thread(target=args.func, args=(args, out, stop))
runner.start()
deadline, pause = time.monotonic() + 60, 0.01
while '# cinder.conf' not in out.text:
    if time.monotonic() > deadline or not runner.is_alive():
        sys.exit('the simulator did not start: %r' % out.text)
    time.sleep(pause)
    pause = min(pause * 2, 0.5)
url = re.search(r'nodes at (https://\S+?),?\s', out.text).group(1)
with open(os.path.join(workdir, 'system.jwt')) as f:
    token = f.read().strip()
context = ssl.create_default_context(cafile=os.path.join(workdir, 'ca.pem'))
request = urllib.request.Request(
    url + '/api/v2/projects/default/volumes', method='POST',
    data=json.dumps({'name': 'vol-1', 'size': '1 gib', 'replicaCount': 1,
                     'acl': {'values': ['ALLOW_NONE']}}).encode(),
    headers={'Authorization': 'Bearer ' + token,
             'Content-Type': 'application/json'})
with urllib.request.urlopen(request, context=context, timeout=30) as answer:
    created = json.load(answer)
stop.set()
runner.join(60)


def foreign(name):
    parts = name.split('.')
    if parts[0] in ('cinder', 'os_brick'):
        return True
    return (parts[0] == 'lightos_cinder' and len(parts) > 1 and
            parts[1] not in ('simulator', 'cmd'))


print(json.dumps({'created': created['name'], 'size': created['size'],
                  'stopped': not runner.is_alive(),
                  'foreign': sorted(n for n in sys.modules if foreign(n))}))
'''


def test_starting_the_simulator_loads_no_cinder_and_no_driver(tmp_path):
    result = subprocess.run([sys.executable, '-c', _PROBE, str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # The simulator really served a request, rules included.
    assert report['created'] == 'vol-1'
    assert report['size'] == str(2 ** 30)
    assert report['stopped']
    assert report['foreign'] == []
