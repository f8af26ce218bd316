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
# walkthrough, tempest's volume API tests (the "gated" classes in a pass of
# their own, see tempest.sh) and the Cinder tempest plugin, and
# always tear the cloud down again (also on failure or interruption). Exit
# status: non-zero when any step or any test failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2317  # called by the EXIT trap
teardown() {
    local passed=0 failed=0 skipped=0 p f s
    bash "$STACK_TOOLS/unstack.sh" || log "teardown failed; see $RUN_DIR"
    log "tempest job finished after ${SECONDS}s"
    for counts in "$LOG_DIR"/tempest-{core,gated,plugin}.counts; do
        [[ -f $counts ]] || continue
        read -r p f s <"$counts"
        passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + ${s:-0}))
    done
    printf 'tempest: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -f "$LOG_DIR"/tempest-*.counts
bash "$STACK_TOOLS/install.sh"
bash "$STACK_TOOLS/stack.sh"
bash "$STACK_TOOLS/smoke.sh"
rc=0
bash "$STACK_TOOLS/tempest.sh" core || rc=$?
bash "$STACK_TOOLS/tempest.sh" gated || rc=$?
bash "$STACK_TOOLS/tempest.sh" plugin || rc=$?
exit "$rc"
