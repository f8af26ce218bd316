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

"""The package's shape: no import cycle, no module over 500 lines."""

import ast
import pathlib

import lightos_cinder

_ROOT = pathlib.Path(lightos_cinder.__file__).parent
_TOP = 'lightos_cinder'
_MAX_LINES = 500


def _modules():
    """``{dotted name: path}`` of every module of the package."""
    found = {}
    for path in sorted(_ROOT.rglob('*.py')):
        parts = (_TOP,) + path.relative_to(_ROOT).with_suffix('').parts
        if parts[-1] == '__init__':
            parts = parts[:-1]
        found['.'.join(parts)] = path
    return found


def _imports(name, path, modules):
    """The package's modules that ``name`` imports, lazy imports too."""
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.rsplit('.', node.level - 1)[0]
                base = anchor + ('.' + base if base else '')
            # ``from a import b`` imports the module a.b if there is one.
            targets = [base + '.' + alias.name
                       if base + '.' + alias.name in modules else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target in modules and target != name:
                yield target


def _cycles(graph):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _graph():
    modules = _modules()
    return {name: set(_imports(name, path, modules))
            for name, path in modules.items()}


def test_the_graph_sees_the_imports():
    graph = _graph()
    assert 'lightos_cinder.api.transport' in graph['lightos_cinder.driver']
    assert 'lightos_cinder.volume.volumes' in graph[
        'lightos_cinder.volume.snapshots']


def test_cycles_are_found():
    assert _cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [
        ['a', 'b', 'c']]


def test_no_module_imports_itself_through_others():
    assert _cycles(_graph()) == []


def test_no_module_is_over_500_lines():
    lengths = {name: len(path.read_text().splitlines())
               for name, path in _modules().items()}
    assert {name: n for name, n in lengths.items() if n > _MAX_LINES} == {}
