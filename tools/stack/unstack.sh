#!/bin/bash
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
#
# Stop every process tools/stack/stack.sh started, by the PIDs it recorded
# under $STACK_DIR/run (each one leads its own process group, which is
# signalled as a whole), then check that the simulator's data plane left no
# device behind. Logs and state stay for inspection; stack.sh wipes them on
# the next bring-up. Safe to run more than once.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -d $RUN_DIR ]] || exit 0

# Consumers first, so nothing logs errors about a vanished dependency.
# shellcheck source-path=SCRIPTDIR source=nova.sh
. "$STACK_TOOLS/nova.sh"
stop_nova
stop_daemon cinder-api
stop_daemon cinder-backup 60
stop_daemon cinder-volume-2 60
stop_daemon cinder-volume 60
stop_daemon cinder-scheduler
# (no PID file when the stack ran without it)
stop_daemon glance-api
stop_daemon keystone
# it withdraws every device its discovery-client made on the way out
stop_daemon simulator
if pidfile_pid rabbitmq >/dev/null; then
    # A clean Erlang shutdown; SIGTERM alone also works but takes longer.
    rabbitmqctl_ -q stop >/dev/null 2>&1 || true
fi
stop_daemon rabbitmq 60
stop_daemon epmd
stop_daemon memcached
stop_daemon mariadb 60
stop_daemon etcd

# Devices of the data plane still there: loop devices over the simulator's
# data files (losetup names the backing file) and by-id links (with the
# /dev/nvme-sim* node they point to) of volumes that have a data file here.
# Only a crashed simulator (SIGKILL) leaves them; they are reported, not
# removed behind its back (losetup -d LOOP, rm NODE LINK).
# shellcheck source-path=SCRIPTDIR source=simulator.sh
. "$STACK_TOOLS/simulator.sh"
devices=$(losetup -a 2>/dev/null | grep -F "($SIM_DATA_DIR/" || true)
for file in "$SIM_DATA_DIR"/volumes/*.img; do
    [[ -e $file ]] || continue
    link=/dev/disk/by-id/nvme-uuid.$(basename "$file" .img)
    [[ -L $link ]] || continue
    devices+=${devices:+$'\n'}"$link -> $(readlink "$link")"
done
if [[ -n $devices ]]; then
    printf '%s\n' "$devices" >&9
    die "the simulator left these devices behind; remove them by hand"
fi

leftover=()
for pidfile in "$RUN_DIR"/*.pid; do
    [[ -e $pidfile ]] || continue
    name=${pidfile##*/}
    leftover+=("${name%.pid}")
done
((${#leftover[@]} == 0)) || die "unknown PID files left in $RUN_DIR: ${leftover[*]}"
log "everything stopped (logs in $LOG_DIR)"
