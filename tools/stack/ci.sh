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
# The whole tempest job: install, bring up a fresh test cloud, run the smoke
# walkthrough, tempest's volume API tests (the "gated" classes and the
# "serial" tests in passes of their own, see tempest.sh) and the Cinder
# tempest plugin, and
# always tear the cloud down again (also on failure or interruption). Exit
# status: non-zero when any step or any test failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Each step runs in its own session, so that an interruption can stop the
# step's whole process tree (tempest's workers too) before the teardown.
STEP=
run_step() {
    local status=0
    setsid bash "$@" &
    STEP=$!
    wait "$STEP" || status=$?
    STEP=
    return "$status"
}

# shellcheck disable=SC2317  # called by the traps
interrupted() {
    if [[ -n $STEP ]]; then
        kill -TERM -- "-$STEP" 2>/dev/null || true
    fi
    exit "$1"
}

# STACK_CLUSTER=1: what each cinder-volume of the cluster did, and the
# driver's and Cinder's locks taken in etcd (its history since revision 1).
# shellcheck disable=SC2317  # called by teardown
cluster_report() {
    local log_file locks
    for log_file in "$LOG_DIR"/cinder-volume.log "$LOG_DIR"/cinder-volume-2.log; do
        [[ -f $log_file ]] || continue
        printf '%s: %d volumes created, %d deleted, %d snapshots, %d connections made\n' \
            "${log_file##*/}" \
            "$(grep -c 'Created volume successfully' "$log_file")" \
            "$(grep -c 'Deleted volume successfully' "$log_file")" \
            "$(grep -c 'Create snapshot completed successfully' "$log_file")" \
            "$(grep -Ec '(Initialize volume connection|attachment_update) completed successfully' \
                "$log_file")"
    done
    pidfile_pid etcd >/dev/null || return 0
    locks=$(timeout 10 etcdctl --endpoints="http://$STACK_HOST:$STACK_ETCD_PORT" \
        watch --rev=1 --prefix /tooz/locks 2>/dev/null | awk '$0 == "PUT" { getline; print }' || true)
    printf 'etcd: %d lock acquisitions, %d of them lightos-access-*, %d distinct locks\n' \
        "$(grep -c . <<<"$locks")" "$(grep -c 'lightos-access-' <<<"$locks")" \
        "$(sort -u <<<"$locks" | grep -c .)"
}

# After a failure: what each failed test raised, and the services' most
# frequent errors, last in the job's output where a truncated log keeps them.
# shellcheck disable=SC2317  # called by teardown
failure_report() {
    local file
    for file in "$LOG_DIR"/tempest-{core,gated,serial,plugin}.failures; do
        [[ -s $file ]] || continue
        printf '%s:\n' "${file##*/}"
        head -c 8000 "$file"
    done
    printf 'the services logged these errors most often (count, log, message):\n'
    for file in "$LOG_DIR"/{cinder,nova,neutron,glance,placement}-*.log; do
        [[ -f $file ]] || continue
        # oslo.log: date time pid ERROR module [request context] message
        sed -n 's/^[-0-9]* [0-9:.]* [0-9]* ERROR \([^ ]*\) \(\[[^]]*\] \)\{0,1\}/\1 /p' "$file" |
            grep -Ev '^[^ ]+ ( |Traceback|$)' | cut -c1-200 | sed "s|^|${file##*/} |"
    done | sort | uniq -c | sort -rn | head -n 15
}

# shellcheck disable=SC2317  # called by the EXIT trap
teardown() {
    local status=$? passed=0 failed=0 skipped=0 p f s
    if ((STACK_CLUSTER)); then
        cluster_report || true
    fi
    bash "$STACK_TOOLS/unstack.sh" || log "teardown failed; see $RUN_DIR"
    log "tempest job finished after ${SECONDS}s (exit status $status)"
    for counts in "$LOG_DIR"/tempest-{core,gated,serial,plugin}.counts; do
        [[ -f $counts ]] || continue
        read -r p f s <"$counts"
        passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + ${s:-0}))
    done
    if ((status == 0 || failed > 0)); then
        printf 'tempest: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
    else
        log "the job stopped before its tempest passes completed (so far $passed passed, $skipped skipped)"
    fi
    if ((status != 0)); then
        failure_report || true
    fi
}
trap teardown EXIT
trap 'interrupted 130' INT
trap 'interrupted 143' TERM

rm -f "$LOG_DIR"/tempest-*.counts "$LOG_DIR"/tempest-*.failures
run_step "$STACK_TOOLS/install.sh"
# a stack left running in the same $STACK_DIR (tox -e stack) goes first
run_step "$STACK_TOOLS/unstack.sh"
run_step "$STACK_TOOLS/stack.sh"
run_step "$STACK_TOOLS/smoke.sh"
if ((STACK_NOVA)); then
    # servers, a multi-attach volume on both compute hosts, the guests' disks
    # and the ACL after each step
    run_step "$STACK_TOOLS/smoke-compute.sh"
fi
rc=0
run_step "$STACK_TOOLS/tempest.sh" core || rc=$?
run_step "$STACK_TOOLS/tempest.sh" gated || rc=$?
run_step "$STACK_TOOLS/tempest.sh" serial || rc=$?
run_step "$STACK_TOOLS/tempest.sh" plugin || rc=$?
exit "$rc"
