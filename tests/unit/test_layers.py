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

"""The REST API layer stands on its own: no Cinder, no volume logic."""

import ast
import json
import pathlib
import subprocess
import sys

import lightos_cinder

_PACKAGE = pathlib.Path(lightos_cinder.__file__).parent
_API = _PACKAGE / 'api'

# Layers above the API and the libraries only they may use.
_ABOVE = ('cinder', 'os_brick', 'lightos_cinder.volume',
          'lightos_cinder.driver', 'lightos_cinder.options')


def _above(name):
    return any(name == top or name.startswith(top + '.') for top in _ABOVE)


def _imported_names(path):
    """Every module an import statement in the file names, lazy ones too."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (node.module + '.' + alias.name
                        for alias in node.names)


def test_api_modules_name_no_layer_above():
    modules = sorted(_API.glob('*.py'))
    assert len(modules) > 5
    found = {path.name: sorted(name for name in _imported_names(path)
                               if _above(name))
             for path in modules}
    assert {name: names for name, names in found.items() if names} == {}


_PROBE = r'''
import importlib, json, pkgutil, sys
import lightos_cinder.api as api
for info in pkgutil.iter_modules(api.__path__):
    importlib.import_module('lightos_cinder.api.' + info.name)
print(json.dumps(sorted(sys.modules)))
'''


def test_importing_the_api_loads_no_layer_above():
    result = subprocess.run([sys.executable, '-c', _PROBE],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert 'lightos_cinder.api.transport' in loaded
    assert [name for name in loaded if _above(name)] == []
