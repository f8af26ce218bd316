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

"""Sphinx configuration of the lightos-cinder documentation."""

from importlib import metadata

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'reno.sphinxext',
]

# The option reference and the sample configuration come from the
# oslo.config.opts entry point of the installed package; without it
# show-options renders an empty section, so fail the build instead.
if 'lightos_cinder' not in {
        entry.name for entry in metadata.entry_points(
            group='oslo.config.opts')}:
    raise RuntimeError(
        'The lightos_cinder oslo.config.opts entry point is not installed: '
        'install the package (pip install -e . or tox -e docs) before '
        'building the docs, or the option reference would be empty.')

config_generator_config_file = (
    '../../etc/oslo-config-generator/lightos-cinder.conf')
sample_config_basename = '_static/lightos-cinder'

openstackdocs_repo_name = 'x/lightos-cinder'
openstackdocs_bug_project = 'lightos-cinder'
openstackdocs_bug_tag = 'doc'
openstackdocs_auto_name = False

project = 'lightos-cinder'
copyright = '2026, The lightos-cinder Authors'
source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = []
pygments_style = 'native'
html_theme = 'openstackdocs'
html_static_path = ['_static']
