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

"""Bar chart of the driver benchmark: latency per operation vs the floor."""

import matplotlib

matplotlib.use('Agg')

import matplotlib.pyplot as plt  # noqa: E402

OURS, INTREE = 'ours', 'intree'
COLOURS = {OURS: '#2b6cb0', INTREE: '#c05621'}
SHORT = {
    'create_volume': 'create',
    'initialize_connection': 'attach\n(init. conn.)',
    'terminate_connection': 'detach\n(term. conn.)',
    'extend_volume': 'extend',
    'create_snapshot': 'snapshot',
    'create_volume_from_snapshot': 'volume from\nsnapshot',
    'create_cloned_volume': 'clone',
}


def _panel(axis, delay, ops, labels):
    names = list(ops)
    width = 0.38
    for offset, driver in ((-width / 2, OURS), (width / 2, INTREE)):
        medians = [ops[op][driver]['median'] * 1e3 for op in names]
        lows = [m - ops[op][driver]['min'] * 1e3
                for m, op in zip(medians, names)]
        highs = [ops[op][driver]['max'] * 1e3 - m
                 for m, op in zip(medians, names)]
        positions = [i + offset for i in range(len(names))]
        bars = axis.bar(positions, medians, width, label=labels[driver],
                        color=COLOURS[driver], yerr=[lows, highs],
                        capsize=3, error_kw={'elinewidth': 0.8})
        axis.bar_label(bars, labels=['%.0f' % m for m in medians],
                       fontsize=7, padding=2)
    floors = [ops[op]['floor'] * 1e3 for op in names]
    if any(floors):
        axis.hlines(floors, [i - 0.45 for i in range(len(names))],
                    [i + 0.45 for i in range(len(names))], colors='black',
                    linestyles='dashed', linewidth=1.2,
                    label='floor (simulator delay)')
    axis.set_xticks(range(len(names)))
    axis.set_xticklabels([SHORT.get(op, op) for op in names], fontsize=8)
    axis.set_ylabel('latency, ms (median, min-max)')
    axis.set_title('backend delay %s ms' % delay)
    axis.grid(axis='y', alpha=0.3)
    axis.margins(y=0.12)
    axis.legend(fontsize=8, loc='upper left')


def draw(results, path):
    """Write one panel per simulator delay to ``path`` (PNG)."""
    latency = results['summary'].get('latency') or {}
    delays = sorted(latency, key=int)
    if not delays:
        return
    labels = {name: '%s %s' % (info['label'], info['version'])
              for name, info in results['drivers'].items()}
    figure, axes = plt.subplots(len(delays), 1,
                                figsize=(10, 3.6 * len(delays)),
                                squeeze=False)
    for axis, delay in zip(axes[:, 0], delays):
        _panel(axis, delay, latency[delay], labels)
    reps = results['settings']['repetitions']
    figure.suptitle('Cinder LightOS drivers against the simulator over HTTPS'
                    ' (%d repetition%s)' % (reps, '' if reps == 1 else 's'),
                    fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
