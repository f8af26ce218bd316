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
# Run tempest against a running test cloud (tools/stack/stack.sh).
#
#   tempest.sh [core|gated|serial|plugin|all|REGEX [CONCURRENCY [NAME]]]
#
# core: tempest's volume API tests but the "gated" and "serial" ones; gated:
# the volume test classes tempest only runs where it could give each test
# project a network; serial (with Nova): the tests that hold a compute host's
# attachments up for a minute, one at a time; plugin: the Cinder tempest
# plugin's API, RBAC and concurrency tests; all (the default): core, serial
# and plugin in one run. CONCURRENCY defaults
# to $TEMPEST_CONCURRENCY or 2, NAME to the first argument. The output goes to
# $STACK_DIR/logs/tempest-NAME.log; the summary is printed. Writes
# $STACK_DIR/tempest/etc/tempest.conf on every run: a cloud with Keystone and
# Cinder (with cinder-backup) and, when the stack runs glance-api
# (STACK_GLANCE=1), Glance, with the volume features the configured driver
# implements.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=glance.sh
. "$STACK_TOOLS/glance.sh"
# shellcheck source-path=SCRIPTDIR source=nova.sh
. "$STACK_TOOLS/nova.sh"

CORE_REGEX='^tempest\.api\.volume\.'
# These classes declare create_default_network, so with dynamic credentials
# tempest skips them without neutron. Only their attach tests need a server
# (and are skipped for that); the gated run uses pre-provisioned accounts,
# which need no network, and says neutron is there.
GATED_REGEX='^tempest\.api\.volume\.(test_volumes_snapshots\.VolumesSnapshotTestJSON|test_volumes_backup\.VolumesBackupsTest|test_volumes_actions\.VolumesActionsTest|admin\.test_volumes_actions\.VolumesActionsTest|admin\.test_snapshot_manage\.SnapshotManageAdminTest)\.'
# With Nova (STACK_NOVA=1): the volume tests of the compute API and its
# live-migration tests.
COMPUTE_REGEX='^tempest\.api\.compute\.(volumes\.|admin\.test_volume|admin\.test_live_migration)'
# With Nova: tests that attach a volume and delete the server without
# waiting for the detach they started. Nova's delete then disconnects the
# volume a second time; its device is gone, and os-brick's LightOS connector
# looks for it for 60 s while holding its host-wide lock, so every attach and
# detach of other tests on that compute host waits behind it. Alone, nothing
# waits (each still takes that minute).
SERIAL_REGEX='^tempest\.api\.volume\.(test_volumes_snapshots\.VolumesSnapshotTestJSON\.(test_snapshot_create_delete_with_volume_in_use|test_snapshot_create_offline_delete_online)|admin\.test_snapshot_manage\.SnapshotManageAdminTest\.test_snapshot_manage_with_attached_volume)\b'
PLUGIN_REGEX='^cinder_tempest_plugin\.(api|rbac)\.|^cinder_tempest_plugin\.scenario\.test_volume_concurrency'
SELECTION=${1:-all}
EXTRA_EXCLUDE=
NOVA=0
if nova_running; then
    NOVA=1
    # With a network API (no networks), dynamic credentials run the gated
    # classes too, with servers for their attach tests: core runs them.
    GATED_REGEX='^$'
    CORE_REGEX="$CORE_REGEX|$COMPUTE_REGEX"
fi
if ((NOVA)) && [[ $SELECTION == gated ]]; then
    log "tempest gated: nothing to do, the core pass ran these classes with Nova"
    printf '0 0 0\n' >"$LOG_DIR/tempest-gated.counts"
    exit 0
fi
if ((!NOVA)); then
    # without servers these tests are skipped, in the gated pass
    SERIAL_REGEX='^$'
    if [[ $SELECTION == serial ]]; then
        log "tempest serial: nothing to do without Nova"
        printf '0 0 0\n' >"$LOG_DIR/tempest-serial.counts"
        exit 0
    fi
fi
case $SELECTION in
    core) REGEX=$CORE_REGEX EXTRA_EXCLUDE="|$GATED_REGEX|$SERIAL_REGEX" ;;
    gated) REGEX=$GATED_REGEX ;;
    serial) REGEX=$SERIAL_REGEX ;;
    plugin) REGEX=$PLUGIN_REGEX ;;
    all) REGEX="$CORE_REGEX|$PLUGIN_REGEX" ;;
    *) REGEX=$SELECTION ;;
esac
CONCURRENCY=${2:-${TEMPEST_CONCURRENCY:-2}}
[[ $SELECTION != serial ]] || CONCURRENCY=1
NAME=${3:-$SELECTION}
[[ $NAME =~ ^[A-Za-z0-9_.-]+$ ]] || NAME=custom

# Tests left out, each for a service this cloud does not have. The two
# lists are alternatives on purpose: the one with Nova does not include the
# one without, so the plugin's test_incremental_backup runs with compute.
if ((NOVA)); then
    # A trunk port needs real networks; this cloud's servers have no NICs.
    EXCLUDE_REGEX='\.test_live_migration_with_trunk\b'
else
    # The plugin's backup test test_incremental_backup boots a server from
    # its volume (and does not check for compute).
    EXCLUDE_REGEX='cinder_tempest_plugin\.api\.volume\.test_volume_backup\.VolumesBackupsTest\.test_incremental_backup\b'
fi
# Without glance-api: tests tagged "image" need glance;
# VolumesExtendTest.test_volume_extend reads an image without the tag; so
# does the plugin's test_create_from_image.
IMAGE_EXCLUDE_REGEX='\[.*\bimage\b.*\]|test_image_metadata\.|VolumesExtendTest\.test_volume_extend\b|test_create_from_image\.'
if glance_running; then
    # shellcheck source=/dev/null
    . "$GLANCE_IMAGES_FILE"
    if ((NOVA)); then
        # a guest that boots (tools/stack/nova.sh) instead of random bytes
        # shellcheck source=/dev/null
        . "$NOVA_IMAGES_FILE"
    fi
else
    IMAGE_REF=
    EXCLUDE_REGEX+="|$IMAGE_EXCLUDE_REGEX"
fi
EXCLUDE_REGEX+=$EXTRA_EXCLUDE
if ((STACK_CLUSTER)); then
    # Cinder's scheduler gives a managed or retyped volume the host of
    # whichever service of the cluster last reported the backend; these
    # tests expect the volume to keep its host, so they pass or fail by
    # chance here. The one-service stack (the default) runs them. No other
    # test of this selection (tempest 47, cinder-tempest-plugin 1.23, the
    # compute volume tests) compares a volume's host across an operation
    # within one backend: doc/source/admin/active-active.rst lists what was
    # checked.
    EXCLUDE_REGEX+='|test_volume_manage\.VolumeManageAdminTest\.test_unmanage_manage_volume\b'
    EXCLUDE_REGEX+='|test_volume_retype\.VolumeRetypeWithoutMigrationTest\b'
fi

[[ -f $OPENRC ]] || die "no $OPENRC: run tools/stack/stack.sh first"
# shellcheck source=/dev/null
. "$OPENRC"
load_secrets

# driver_features - the optional driver methods $STACK_VOLUME_DRIVER really
# implements (rather than inherits from Cinder's base classes).
driver_features() {
    python3 - "$STACK_VOLUME_DRIVER" manage_existing manage_existing_snapshot \
        revert_to_snapshot migrate_volume <<'EOF'
import importlib
import sys

module, _, name = sys.argv[1].rpartition('.')
driver = getattr(importlib.import_module(module), name)
for method in sys.argv[2:]:
    owner = next(c for c in driver.__mro__ if method in vars(c))
    if owner.__module__ != 'cinder.volume.driver' and not (
            owner.__module__.startswith('cinder.interface')):
        print(method)
EOF
}

# pool_capability NAME - a capability both backends report (tempest creates
# volume types with vendor_name and storage_protocol as extra specs, which
# the scheduler then matches).
pool_capability() {
    openstack volume backend pool list --long -f json |
        python3 -c '
import json
import sys

values = {pool["Capabilities"][sys.argv[1]] for pool in json.load(sys.stdin)}
if len(values) != 1:
    sys.exit("backends disagree on %s: %s" % (sys.argv[1], values))
print(values.pop())
' "$1"
}

has() {
    [[ " $FEATURES " == *" $1 "* ]] && echo true || echo false
}

# write_tempest_conf FILE [ACCOUNTS_FILE] - with an accounts file, tempest
# uses those pre-provisioned accounts and is told that neutron exists.
write_tempest_conf() {
    local file=$1 accounts=${2:-} vendor protocol credentials neutron=false glance_comment
    FEATURES=$(driver_features | tr '\n' ' ')
    vendor=$(pool_capability vendor_name)
    protocol=$(pool_capability storage_protocol)
    log "${file##*/}: $vendor / $protocol; driver implements: ${FEATURES:-none of the optional methods}"
    credentials="use_dynamic_credentials = true"
    if ((NOVA)); then
        neutron=true
    fi
    if [[ -n $accounts ]]; then
        credentials="use_dynamic_credentials = false
test_accounts_file = $accounts"
        neutron=true
    fi
    glance_comment="# glance-api with the file store (STACK_GLANCE=1)"
    if [[ -z $IMAGE_REF ]]; then
        glance_comment='# There is no image service. tempest only builds its image clients when glance
# is "available", and two volume test classes use those clients while setting
# up; the tests that really need images are excluded by tools/stack/tempest.sh.'
    fi
    cat >"$file" <<EOF
[DEFAULT]
log_dir = $TEMPEST_DIR/logs
log_file = tempest.log

[oslo_concurrency]
lock_path = $TEMPEST_DIR/lock

[auth]
admin_username = admin
admin_password = $ADMIN_PASSWORD
admin_project_name = admin
admin_domain_name = Default
$credentials
create_isolated_networks = false

[identity]
uri_v3 = $KEYSTONE_URL
auth_version = v3
region = RegionOne
v3_endpoint_type = public

[identity-feature-enabled]
api_v2 = false

[enforce_scope]
# Cinder 29 enforces the new policy defaults and scopes
cinder = true
$( ((NOVA)) && echo "nova = true")

[service_available]
cinder = true
nova = $( ((NOVA)) && echo true || echo false)
neutron = $neutron
swift = false
barbican = false
$glance_comment
glance = true

[volume]
catalog_type = volumev3
region = RegionOne
endpoint_type = publicURL
backend_names = lightos-1,lightos-2
vendor_name = $vendor
storage_protocol = $protocol
min_microversion = 3.0
max_microversion = latest
build_timeout = 180
build_interval = 1
volume_size = 1
# the names this driver gives volumes and snapshots on the cluster
manage_volume_ref = source-name,volume-%s
manage_snapshot_ref = source-name,snapshot-%s
# volumes uploaded as images: raw, as they are (no conversion)
disk_format = raw

[volume-feature-enabled]
multi_backend = true
# cinder-backup with the POSIX driver, over the simulator's data plane
backup = true
snapshot = true
clone = true
manage_volume = $(has manage_existing)
manage_snapshot = $(has manage_existing_snapshot)
extend_attached_volume = $( ((NOVA)) && echo true || echo false)
extend_volume_with_snapshot = true
# despite the name this also gates a volume/snapshot/clone cascade-delete
# test; the tests among them that need images are excluded
enable_volume_image_dep_tests = true
# cinder-tempest-plugin
volume_revert = $(has revert_to_snapshot)
consistency_group = false
concurrency_tests = true
EOF
    if [[ -n $IMAGE_REF ]]; then
        cat >>"$file" <<EOF

[compute]
# raw images uploaded by stack.sh (tools/stack/glance.sh)
image_ref = $IMAGE_REF
image_ref_alt = $IMAGE_REF_ALT
EOF
    fi
    if ((NOVA)); then
        cat >>"$file" <<EOF
# Nova with two libvirt compute hosts (STACK_NOVA=1, tools/stack/nova.sh)
flavor_ref = 1
flavor_ref_alt = 2
# multi-attach needs 2.60, shelve with volumes 2.20
min_microversion = 2.1
max_microversion = latest
min_compute_nodes = ${#NOVA_HOSTS[@]}
build_timeout = 300

[compute-feature-enabled]
volume_multiattach = true
# between the stack's two libvirt hosts: servers booted from a volume, and
# block migration of servers with a local disk, with volumes attached or not
live_migration = true
volume_backed_live_migration = true
block_migration_for_live_migration = true

[validation]
# the guest is a kernel with an initramfs: nothing to SSH into
run_validation = false
EOF
        # the multiattach volume type stack.sh created
        sed -i 's/^\[volume\]$/[volume]\nvolume_type_multiattach = multiattach/' "$file"
    fi
}

# ensure_accounts COUNT FILE - COUNT sets of a project member, a project
# reader (same project) and an admin as pre-provisioned tempest accounts: one
# set per concurrent test worker.
ensure_accounts() {
    local count=$1 file=$2 i user project commands=
    if ! grep -q '^ACCOUNTS_PASSWORD=' "$SECRETS_FILE"; then
        printf 'ACCOUNTS_PASSWORD=%s\n' "$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')" \
            >>"$SECRETS_FILE"
        load_secrets
    fi
    (umask 077 && : >"$file")
    for ((i = 1; i <= count; i++)); do
        commands+="project create --domain default --or-show tempest-accounts-$i
project create --domain default --or-show tempest-accounts-admin-$i
"
        for user in member reader admin; do
            project=tempest-accounts-$i
            [[ $user == admin ]] && project=tempest-accounts-admin-$i
            commands+="user create --domain default --or-show --password $ACCOUNTS_PASSWORD tempest-$user-$i
role add --project $project --user tempest-$user-$i $user
"
            cat >>"$file" <<EOF
- username: tempest-$user-$i
  password: $ACCOUNTS_PASSWORD
  project_name: $project
  user_domain_name: Default
  project_domain_name: Default
  roles: [$user]
EOF
        done
    done
    # One client process for all of it (see stack.sh), checked afterwards.
    openstack <<<"$commands" >"$LOG_DIR/tempest-accounts.log" 2>&1 || true
    local assigned
    assigned=$(openstack role assignment list --names -f value -c User)
    assigned=$(grep -c '^tempest-[a-z]*-[0-9]*@' <<<"$assigned" || true)
    ((assigned >= 3 * count)) ||
        die "creating the tempest accounts failed; see $LOG_DIR/tempest-accounts.log"
}

if [[ ! -d $TEMPEST_DIR/etc ]]; then
    # a private workspace registry: stack.sh wiped the workspace it names
    rm -f "$TEMPEST_DIR.workspace.yaml"
    if ! tempest init --workspace-path "$TEMPEST_DIR.workspace.yaml" --name stack \
        "$TEMPEST_DIR" >"$LOG_DIR/tempest-init.log" 2>&1; then
        tail -n 5 "$LOG_DIR/tempest-init.log" >&9
        die "tempest init failed; see $LOG_DIR/tempest-init.log"
    fi
fi
# failure_digest LOG - each failed test of a tempest log with the test's own
# frames of its traceback and the exception, so that a job whose logs are gone
# still says what failed, where and how.
failure_digest() {
    awk '
        function flush(  i, last) {
            for (i = 0; i < n; i++) if (tb[i] ~ /^ *File "/) last = i
            for (i = 0; i < last; i++)
                if (tb[i] ~ /^ *File "/ && tb[i] !~ /tempest\/lib\//)
                    print "    " tb[i] "\n    " tb[i + 1]
            for (i = last; i < n; i++) print "    " tb[i]
            intb = 0
        }
        /^Failed [0-9]+ tests - output below:/ { exit }
        intb && (/^Captured / || /^\{[0-9]+\} /) { flush() }
        /^\{[0-9]+\} .* \.\.\. FAILED/ { name = $0; next }
        /^Captured traceback:/ { print name; intb = 1; n = 0; next }
        intb && NF && !/^~+$/ && !/^ *\^+ *$/ {
            sub(/"[^"]*site-packages\//, "\"", $0); tb[n++] = $0
        }
        END { if (intb) flush() }
    ' "$1"
}

CONF_FILE=$TEMPEST_DIR/etc/tempest.conf
if [[ $SELECTION == gated ]]; then
    ensure_accounts "$CONCURRENCY" "$TEMPEST_DIR/etc/accounts.yaml"
    CONF_FILE=$TEMPEST_DIR/etc/tempest-gated.conf
    write_tempest_conf "$CONF_FILE" "$TEMPEST_DIR/etc/accounts.yaml"
else
    write_tempest_conf "$CONF_FILE"
fi
# VolumeRetypeWithMigrationTest runs either way: without the driver's
# migrate_volume Cinder copies the data through the cinder-volume host, which
# attaches both volumes over the simulator's data plane.
images=without
[[ -z $IMAGE_REF ]] || images=with
log "tempest: $REGEX (concurrency $CONCURRENCY, $images glance), output in $LOG_DIR/tempest-$NAME.log"
cd "$TEMPEST_DIR"
start=$SECONDS
rc=0
tempest run --config-file "$CONF_FILE" --regex "$REGEX" \
    --exclude-regex "$EXCLUDE_REGEX" --concurrency "$CONCURRENCY" >"$LOG_DIR/tempest-$NAME.log" 2>&1 || rc=$?
result=$LOG_DIR/tempest-$NAME.log
grep -E '^\{[0-9]+\} .* \.\.\. FAILED' "$result" || true
failure_digest "$result" >"$LOG_DIR/tempest-$NAME.failures"
sed -n '/^Totals/,/^Sum of execute/p' "$result"
count() {
    sed -n "s/^ - $1: \([0-9]*\)$/\1/p" "$result" | tail -n 1
}
log "tempest $NAME: exit status $rc after $((SECONDS - start))s"
passed=$(count Passed) failed=$(count Failed) skipped=$(count Skipped)
# no totals at all (tempest itself failed) counts as a failure
[[ -n $failed ]] || failed=$((rc != 0))
printf '%s %s %s\n' "${passed:-0}" "$failed" "${skipped:-0}" >"$LOG_DIR/tempest-$NAME.counts"
printf 'tempest %s: %s passed, %s failed, %s skipped\n' "$NAME" "${passed:-0}" "$failed" "${skipped:-0}"
exit "$rc"
