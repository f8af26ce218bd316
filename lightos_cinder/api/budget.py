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

"""Time budgets that bound every request and wait of one operation."""

import contextlib
import threading
import time


class Budget(object):
    """A point in time after which the operation must have answered."""

    def __init__(self, deadline, seconds, what):
        self.deadline = deadline
        self.seconds = seconds
        self.what = what

    def describe(self):
        return 'the %g s bound of %s' % (self.seconds, self.what)


# Per thread (per green thread where cinder-volume monkey-patches
# threading): each Cinder operation runs in one.
_local = threading.local()


def current():
    """The budget of the running operation, or None."""
    return getattr(_local, 'budget', None)


@contextlib.contextmanager
def bounded(seconds, what, clock=time.monotonic):
    """Bound everything done in the block to ``seconds`` from now.

    A block inside another keeps the earlier of the two deadlines, so a
    nested step never outlives the operation that runs it.
    """
    outer = current()
    deadline = clock() + float(seconds)
    if outer is not None and outer.deadline <= deadline:
        inner = outer
    else:
        inner = Budget(deadline, float(seconds), what)
    _local.budget = inner
    try:
        yield inner
    finally:
        _local.budget = outer


def give_up_at(deadline):
    """``deadline`` or the running operation's deadline if earlier."""
    running = current()
    if running is not None and running.deadline < deadline:
        return running.deadline
    return deadline


def rpc_call_seconds(configured, rpc_response_timeout):
    """The budget of an operation Cinder waits for over RPC.

    ``configured`` (lightos_rpc_call_budget) when set, else three quarters
    of the RPC timeout: the rest is left to the volume manager's own work
    (database updates, the export calls) and to delivering the answer.
    """
    if configured:
        return float(configured)
    return 0.75 * float(rpc_response_timeout)
