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

"""The demo's tables, comparison, cinder.conf writer and command line."""

import argparse
import io
import os
import stat

import pytest

from lightos_cinder.cmd import main
from lightos_cinder.demo import cast
from lightos_cinder.demo import cinderconf
from lightos_cinder.demo import progress
from lightos_cinder.demo import report
from lightos_cinder.demo import tokens

GIB = report.GIB
VIEW = report.View(name='gold-1', project='tenant-a', replicas=3,
                   compression=True, size_bytes=GIB,
                   acl=('compute-1', 'compute-2'))


def test_matching_sides_have_no_differences():
    assert report.Row('volume', VIEW, VIEW).differences() == ()


@pytest.mark.parametrize('field, value, label', [
    ('project', 'tenant-b', 'project'),
    ('replicas', 2, 'replicas'),
    ('compression', False, 'compression'),
    ('size_bytes', 2 * GIB, 'size'),
    ('acl', ('compute-1',), 'ACL'),
])
def test_each_field_difference_is_named(field, value, label):
    other = VIEW.__class__(**dict(VIEW.__dict__, **{field: value}))
    assert report.Row('volume', VIEW, other).differences() == (label,)


def test_the_name_is_not_compared():
    # Cinder shows its display name, the cluster volume-<id>.
    other = VIEW.__class__(**dict(VIEW.__dict__, name='volume-1'))
    assert report.Row('volume', VIEW, other).differences() == ()


def test_a_missing_side_is_a_difference():
    assert report.Row('volume', VIEW, None).differences() == (
        'not on the cluster',)
    assert report.Row('volume', None, VIEW).differences() == (
        'not in Cinder',)


def test_comparison_table_marks_rows():
    other = VIEW.__class__(**dict(
        VIEW.__dict__, name='volume-0123456789abcdef', acl=()))
    text = report.format_comparison([
        report.Row('volume', VIEW, VIEW),
        report.Row('volume', VIEW, other),
        report.Row('snapshot', None, other)])
    header, rule, same, differs, orphan = text.splitlines()
    assert header.split()[:2] == ['kind', '|']
    assert set(rule) <= {'-', '+', ' '}
    assert same.endswith('| ok')
    assert 'compute-1,compute-2' in same
    assert differs.endswith('| DIFF: ACL')
    assert 'volume-012345678...' in differs
    assert orphan.startswith('snapshot | (missing)')
    assert orphan.endswith('| DIFF: not in Cinder')


def test_sizes_and_names_for_display():
    assert report.format_size(3 * GIB) == '3 GiB'
    assert report.format_size(GIB + 4096) == '%d B' % (GIB + 4096)
    assert report.short_name('gold-1') == 'gold-1'
    assert report.short_name('x' * 30, width=10) == 'xxxxxxx...'


def test_leftovers_table():
    text = report.format_leftovers([
        report.Leftover('Cinder', 'volumes', 0),
        report.Leftover('API', 'volumes in tenant-a', 2, 'v1, v2')])
    lines = text.splitlines()
    assert lines[2].split() == ['Cinder', 'volumes', '0']
    assert lines[3].split() == ['API', 'volumes', 'in', 'tenant-a', '2',
                                'v1,', 'v2']


def test_cinder_conf_is_private_and_complete(tmp_path):
    section = '[lightos]\nvolume_driver = x\nlightos_api_port = 443\n'
    path, log_file = cinderconf.write(str(tmp_path), 'demo', 'lightos',
                                      section)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert log_file == str(tmp_path / 'cinder.log')
    assert (tmp_path / 'locks').is_dir()
    with open(path) as handle:
        text = handle.read()
    assert 'enabled_backends = lightos\n' in text
    assert 'connection = sqlite:///%s\n' % (tmp_path / 'cinder.sqlite') in text
    assert text.endswith(section)


def test_set_option_replaces_the_value():
    section = '[lightos]\nvolume_driver = a.B\nlightos_api_port = 443\n'
    assert cinderconf.set_option(section, 'volume_driver', 'c.D') == (
        '[lightos]\nvolume_driver = c.D\nlightos_api_port = 443\n')


def test_progress_prints_results_and_failures():
    ticks = iter([0.0, 1.0, 1.5, 2.0, 2.25, 2.5])
    out = io.StringIO()
    printer = progress.Progress(out, clock=lambda: next(ticks))
    with printer.step('create') as step:
        step.result = 'available'
    with pytest.raises(progress.StepFailed):
        with printer.step('attach'):
            raise progress.StepFailed('no')
    assert out.getvalue().splitlines() == [
        '  [  1.00s] create ... available (0.50 s)',
        '  [  2.25s] attach ... FAILED']


def test_demo_command_options():
    parser = main.build_parser()
    args = parser.parse_args(['demo', '--keep', '--delay-ms', '250'])
    assert (args.keep, args.delay_ms, args.workdir) == (True, 250, None)
    with pytest.raises(SystemExit):
        parser.parse_args(['demo', '--delay-ms', '-1'])


def test_demo_command_does_not_import_cinder_to_parse():
    # Building the parser imports every command module; the demo's must
    # stay light. (Other tests may have imported Cinder already, so check
    # the module's own imports.)
    from lightos_cinder.demo import cli
    names = set(vars(cli))
    assert 'cinder' not in names and 'runner' not in names
    assert isinstance(main.build_parser(), argparse.ArgumentParser)


def test_tiers_become_extra_specs():
    gold, silver, bronze = cast.TIERS
    assert gold.extra_specs('lightos', 'tenant-a') == {
        'volume_backend_name': 'lightos',
        'lightos:num_replicas': '3',
        'compression': '<is> True',
        'lightos:project_name': 'tenant-a',
        'multiattach': '<is> True'}
    assert bronze.extra_specs('lb', 'tenant-b') == {
        'volume_backend_name': 'lb',
        'lightos:num_replicas': '1',
        'compression': '<is> False',
        'lightos:project_name': 'tenant-b'}
    assert silver.type_name('tenant-b') == 'tenant-b-silver'


def test_compute_hosts_look_like_os_brick_connectors():
    for host in cast.COMPUTE_HOSTS:
        connector = host.connector()
        assert connector['host'] == host.name
        assert connector['nqn'].startswith('nqn.2014-08.org.nvmexpress:')
        assert connector['host_ips'] == [host.ip]
        assert host.ip.startswith('127.')
    assert len({h.nqn for h in cast.COMPUTE_HOSTS}) == 2


class _Minter:
    """Stands in for the simulator's mint_token; records the roles."""

    def __init__(self):
        self.roles = []

    def mint_token(self, roles):
        self.roles.append(tuple(roles))
        return 'token-%d' % len(self.roles)


def test_project_tokens_go_to_private_files(tmp_path):
    minter = _Minter()
    paths = tokens.mint_project_tokens(minter, ('tenant-a', 'tenant-b'),
                                       str(tmp_path / 'tokens'))
    assert minter.roles == [('tenant-a:admin',), ('tenant-b:admin',)]
    for index, project in enumerate(('tenant-a', 'tenant-b'), 1):
        path = paths[project]
        assert path == str(tmp_path / 'tokens' / ('%s.jwt' % project))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with open(path) as handle:
            assert handle.read() == 'token-%d\n' % index
    assert stat.S_IMODE(os.stat(tmp_path / 'tokens').st_mode) == 0o700
    assert tokens.option_value(paths) == (
        'tenant-a:%s,tenant-b:%s' % (paths['tenant-a'], paths['tenant-b']))


HOLDERS = [('tenant-a:admin', 'tenant-a'), ('tenant-b:admin', 'tenant-b'),
           ('system:cluster-admin', 'default')]


def test_token_usage_rows_follow_the_holders():
    rows = tokens.usage({'system:cluster-admin': {'requests': 5,
                                                  'denied': 0},
                         'tenant-a:admin': {'requests': 7, 'denied': 0},
                         'tenant-c:admin': {'requests': 1, 'denied': 1}},
                        HOLDERS)
    assert rows == [tokens.Usage('tenant-a', 'tenant-a:admin', 7, 0),
                    tokens.Usage('tenant-b', 'tenant-b:admin', 0, 0),
                    tokens.Usage('default', 'system:cluster-admin', 5, 0),
                    tokens.Usage('unexpected', 'tenant-c:admin', 1, 1)]
    table = tokens.format_usage(rows).splitlines()
    assert table[0].split() == ['token', 'roles', 'requests', 'refused',
                                '(403)']
    assert table[2].split() == ['tenant-a', 'tenant-a:admin', '7', '0']


def test_token_problems_name_what_went_wrong():
    clean = tokens.usage({'tenant-a:admin': {'requests': 3, 'denied': 0},
                          'tenant-b:admin': {'requests': 2, 'denied': 0}},
                         HOLDERS)
    assert tokens.problems(clean, ('tenant-a', 'tenant-b')) == []
    rows = tokens.usage({'tenant-a:admin': {'requests': 3, 'denied': 2},
                         'tenant-c:admin': {'requests': 1, 'denied': 0}},
                        HOLDERS)
    assert tokens.problems(rows, ('tenant-a', 'tenant-b')) == [
        'no request carried the token of tenant-b',
        '2 request(s) with the tenant-a token (tenant-a:admin) were '
        'refused with 403',
        '1 request(s) carried a token nobody was given (tenant-c:admin)']


def test_viewer_roles_are_sorted():
    assert tokens.viewer_roles(['tenant-b', 'tenant-a']) == (
        'tenant-a:viewer,tenant-b:viewer')
