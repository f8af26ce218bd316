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

"""Draw the deployment topology of the docs (doc/source/images/topology.*).

Writes a Graphviz description and renders it with ``dot`` (Debian package
``graphviz``) to SVG and PNG; run it again after changing the picture::

    python tools/docs/topology.py
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, '..', '..', 'doc', 'source', 'images')

DOT = r'''
digraph topology {
  graph [rankdir=TB, fontname="Helvetica", fontsize=12, nodesep=0.5,
         ranksep=0.9, pad=0.3, bgcolor="white"];
  node [shape=box, style="rounded,filled", fontname="Helvetica",
        fontsize=11, fillcolor="#eef3fb", color="#3a5a8c"];
  edge [fontname="Helvetica", fontsize=10, color="#444444"];

  subgraph cluster_control {
    label="Controller / storage hosts"; style="rounded"; color="#999999";
    volume [label="cinder-volume\n+ lightos-cinder driver\n(os-brick for
image copy, backup, migration)"];
    backup [label="cinder-backup\n(os-brick)"];
  }

  subgraph cluster_compute {
    label="Compute host (one of many)"; style="rounded"; color="#999999";
    nova [label="nova-compute\n+ os-brick LightOS connector"];
    dc [label="Lightbits discovery-client\n(systemd service)"];
    kernel [label="Linux kernel\nnvme-tcp, native NVMe\nmultipath (ANA)"];
    nova -> dc [label="HTTP 127.0.0.1:6060\n(loopback)"];
    dc -> kernel [label="connects\ncontrollers"];
  }

  subgraph cluster_lightos {
    label="LightOS cluster (3+ nodes)"; style="rounded"; color="#999999";
    node [fillcolor="#fdf1e3", color="#b0702c"];
    n1 [label="node 1\nREST API  |  discovery  |  NVMe/TCP"];
    n2 [label="node 2\nREST API  |  discovery  |  NVMe/TCP"];
    n3 [label="node 3\nREST API  |  discovery  |  NVMe/TCP"];
  }

  volume -> n1 [label="HTTPS 443\nREST API + JWT"];
  volume -> n2 [style=dashed, label="failover"];
  backup -> n2 [label="NVMe/TCP 4420\n(discovery 8009)", color="#2c7a3a",
                fontcolor="#2c7a3a"];
  dc -> n1 [label="discovery 8009", color="#2c7a3a", fontcolor="#2c7a3a"];
  kernel -> n3 [label="NVMe/TCP 4420\n(data, every node)", color="#2c7a3a",
                fontcolor="#2c7a3a"];
}
'''


def main():
    os.makedirs(IMAGES, exist_ok=True)
    source = os.path.join(IMAGES, 'topology.dot')
    with open(source, 'w') as handle:
        handle.write(DOT.lstrip())
    for fmt in ('svg', 'png'):
        target = os.path.join(IMAGES, 'topology.%s' % fmt)
        extra = ['-Gdpi=110'] if fmt == 'png' else []
        subprocess.run(['dot', '-T' + fmt] + extra + ['-o', target, source],
                       check=True)
        print(os.path.normpath(target))
    return 0


if __name__ == '__main__':
    sys.exit(main())
