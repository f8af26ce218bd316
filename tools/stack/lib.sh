# shellcheck shell=bash disable=SC2034
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
# Settings and helpers shared by the local test cloud scripts (sourced, never
# run). Everything the scripts create lives under $STACK_DIR; every socket
# they open is on loopback.

STACK_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$STACK_TOOLS/../.." && pwd)

: "${STACK_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/lightos-cinder-stack}"
: "${STACK_VENV:=$STACK_DIR/venv}"
export STACK_DIR STACK_VENV

RUN_DIR=$STACK_DIR/run
LOG_DIR=$STACK_DIR/logs
ETC_DIR=$STACK_DIR/etc
DATA_DIR=$STACK_DIR/data
WSGI_DIR=$STACK_TOOLS/wsgi
SECRETS_FILE=$ETC_DIR/secrets.env
OPENRC=$STACK_DIR/admin-openrc
CINDER_CONF=$ETC_DIR/cinder/cinder.conf
# the second cinder-volume's host and log (STACK_CLUSTER=1)
CINDER_CONF_2=$ETC_DIR/cinder/cinder-volume-2.conf
KEYSTONE_CONF=$ETC_DIR/keystone/keystone.conf
MYSQL_CNF=$ETC_DIR/mysql/my.cnf
TEMPEST_DIR=$STACK_DIR/tempest

# Loopback endpoints. The simulator nodes get their own 127/8 addresses so a
# second simulator on the usual 127.0.0.1x addresses does not collide.
STACK_HOST=127.0.0.1
: "${STACK_MYSQL_PORT:=3306}"
: "${STACK_RABBIT_PORT:=5672}"
: "${STACK_RABBIT_DIST_PORT:=25672}"
: "${STACK_EPMD_PORT:=4369}"
: "${STACK_MEMCACHED_PORT:=11211}"
: "${STACK_KEYSTONE_PORT:=5000}"
: "${STACK_CINDER_PORT:=8776}"
: "${STACK_GLANCE_PORT:=9292}"
: "${STACK_SIM_IPS:=127.0.60.1,127.0.60.2,127.0.60.3}"
: "${STACK_SIM_PORT:=18443}"
: "${STACK_SIM_ADMIN_PORT:=18440}"
# The simulator's emulated Lightbits discovery-client (os-brick's
# [os_brick] lightos_discovery_client_port)
: "${STACK_DISCOVERY_PORT:=6060}"
# 1 (the default): run glance-api with the file store, and tempest's image
# tests; 0: no image service, the image tests are excluded.
: "${STACK_GLANCE:=1}"
# 1: active-active, two cinder-volume services (hosts stack and stack-2) in
# one cluster, coordinated through an etcd the stack starts; 0 (the
# default): one cinder-volume, tooz's file:// locks.
: "${STACK_CLUSTER:=0}"
: "${STACK_ETCD_PORT:=12379}"
# 1: the compute part too (tools/stack/nova.sh): placement-api, nova-api,
# nova-conductor, nova-scheduler and two compute hosts with Nova's libvirt
# driver; needs STACK_GLANCE=1. 0 (the default): no compute service.
: "${STACK_NOVA:=0}"
: "${STACK_NOVA_PORT:=8774}"
: "${STACK_PLACEMENT_PORT:=8778}"
: "${STACK_NETWORK_PORT:=9696}"
: "${STACK_ETCD_PEER_PORT:=12380}"
# Milliseconds a simulated volume or snapshot stays Creating/Updating/Deleting,
# so the driver's waits are exercised.
: "${STACK_SIM_DELAY_MS:=100}"
# The driver the two backend sections load. Cinder's in-tree LightOS driver
# (cinder.volume.drivers.lightos.LightOSVolumeDriver) takes the same options.
: "${STACK_VOLUME_DRIVER:=lightos_cinder.driver.LightOSVolumeDriver}"
KEYSTONE_URL=http://$STACK_HOST:$STACK_KEYSTONE_PORT/v3
CINDER_URL=http://$STACK_HOST:$STACK_CINDER_PORT/v3

export PATH="$STACK_VENV/bin:$PATH"
# eventlet prints a deprecation banner on every command otherwise
export PYTHONWARNINGS=ignore

# fd 9 is the scripts' own stderr, so that progress and errors stay visible
# where a command's output is discarded (see wait_until).
exec 9>&2

log() {
    printf '[stack %4ss] %s\n' "$SECONDS" "$*" >&9
}

die() {
    log "ERROR: $*"
    exit 1
}

# Name the command when errexit ends a script, which would otherwise stop
# without a word whenever that command's output goes to a log file.
set -o errtrace
trap '_report_failure $? "${BASH_SOURCE[0]##*/}:$LINENO" "$BASH_COMMAND"' ERR

_report_failure() {
    log "ERROR: status $1 at $2: $3"
}

# wait_until DESCRIPTION TIMEOUT_S COMMAND... - run COMMAND until it succeeds,
# sleeping 0.1 s, 0.2 s, ... up to 2 s between tries; fail after TIMEOUT_S.
wait_until() {
    local what=$1 timeout=$2
    shift 2
    local deadline=$((SECONDS + timeout)) pause_ms=100
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            log "timed out after ${timeout}s waiting for $what"
            return 1
        fi
        sleep "$((pause_ms / 1000)).$(printf '%03d' $((pause_ms % 1000)))"
        pause_ms=$((pause_ms * 2 > 2000 ? 2000 : pause_ms * 2))
    done
}

# port_in_use HOST PORT - true when something accepts connections there.
port_in_use() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

require_free_port() {
    if port_in_use "$1" "$2"; then
        die "$1:$2 is already in use (another stack running? try tools/stack/unstack.sh)"
    fi
}

# The kernel start time of a process, so that a PID file is never trusted
# once its PID has been reused by an unrelated process.
_proc_start_time() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # fields after the ")" that ends the command name; starttime is field 22
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    printf '%s\n' "${20}"
}

# pidfile_pid NAME - print the PID recorded for NAME if that process still
# runs (same PID and start time), fail otherwise.
pidfile_pid() {
    local file=$RUN_DIR/$1.pid pid started now
    [[ -f $file ]] || return 1
    read -r pid started <"$file" || return 1
    now=$(_proc_start_time "$pid") || return 1
    [[ $now == "$started" ]] || return 1
    printf '%s\n' "$pid"
}

# start_daemon NAME COMMAND... - run COMMAND in its own session (so its PID
# is also its process group id), output to $LOG_DIR/NAME.out, and record it
# in $RUN_DIR/NAME.pid.
start_daemon() {
    local name=$1 pid
    shift
    if pid=$(pidfile_pid "$name"); then
        die "$name is already running (pid $pid); run tools/stack/unstack.sh first"
    fi
    setsid "$@" >"$LOG_DIR/$name.out" 2>&1 </dev/null 9>&- &
    pid=$!
    printf '%s %s\n' "$pid" "$(_proc_start_time "$pid")" >"$RUN_DIR/$name.pid"
    log "started $name (pid $pid)"
}

# require_running NAME - fail with the tail of its log if NAME has exited.
require_running() {
    if ! pidfile_pid "$1" >/dev/null; then
        tail -n 30 "$LOG_DIR/$1.out" >&9 || true
        die "$1 exited; see $LOG_DIR/$1.out"
    fi
}

# wait_ready NAME TIMEOUT_S COMMAND... - wait until COMMAND succeeds; fail
# early (with its log) if the daemon NAME exits meanwhile.
wait_ready() {
    local name=$1 timeout=$2
    shift 2
    wait_until "$name" "$timeout" _ready_or_gone "$name" "$@" || true
    require_running "$name"
    "$@" >/dev/null 2>&1 ||
        die "$name not ready after ${timeout}s; see $LOG_DIR/$name.out"
}

_ready_or_gone() {
    local name=$1
    shift
    ! pidfile_pid "$name" >/dev/null || "$@"
}

# stop_daemon NAME [GRACE_S] - SIGTERM the process group recorded for NAME,
# wait up to GRACE_S seconds, then SIGKILL whatever is left of the group.
stop_daemon() {
    local name=$1 grace=${2:-30} pid
    if ! pid=$(pidfile_pid "$name"); then
        rm -f "$RUN_DIR/$name.pid"
        return 0
    fi
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until "$name (pid $pid) to exit" "$grace" _process_gone "$pid"; then
        log "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        wait_until "$name (pid $pid) to die" 10 _process_gone "$pid" || true
    fi
    rm -f "$RUN_DIR/$name.pid"
    log "stopped $name (pid $pid)"
}

_process_gone() {
    ! kill -0 "$1" 2>/dev/null
}

# Environment of the RabbitMQ node: all state under $STACK_DIR, loopback only.
rabbit_env() {
    export HOME=$DATA_DIR/rabbitmq
    export RABBITMQ_NODENAME=rabbit@localhost
    export RABBITMQ_NODE_IP_ADDRESS=$STACK_HOST
    export RABBITMQ_NODE_PORT=$STACK_RABBIT_PORT
    export RABBITMQ_DIST_PORT=$STACK_RABBIT_DIST_PORT
    export ERL_EPMD_ADDRESS=$STACK_HOST
    export ERL_EPMD_PORT=$STACK_EPMD_PORT
    export RABBITMQ_MNESIA_BASE=$DATA_DIR/rabbitmq/mnesia
    export RABBITMQ_LOG_BASE=$LOG_DIR/rabbitmq
    export RABBITMQ_PID_FILE=$DATA_DIR/rabbitmq/rabbit.pid
    export RABBITMQ_ENABLED_PLUGINS_FILE=$ETC_DIR/rabbitmq/enabled_plugins
    export RABBITMQ_CONFIG_FILE=$ETC_DIR/rabbitmq/rabbitmq
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

rabbitmqctl_() {
    (rabbit_env && /usr/lib/rabbitmq/bin/rabbitmqctl "$@")
}

# The NVMe identity (host NQN and host id) of the stack's one Cinder host.
# os-brick reads the host NQN only from /etc/nvme/hostnqn and creates that
# file, and /etc/nvme/hostid, when they are missing. $HOST_IDENTITY runs a
# daemon with the stack's identity instead, and leaves the machine's /etc
# alone: in a mount namespace of its own, /etc is an overlay whose upper
# layer (a small tmpfs, gone with the namespace) holds nvme/hostnqn and
# nvme/hostid from $HOST_IDENTITY_DIR; whatever else the daemon or its
# privsep helper writes under /etc stays in that tmpfs too.
HOST_IDENTITY_DIR=$ETC_DIR/nvme
HOST_ETC_MOUNT=$RUN_DIR/host-etc

write_host_identity() {
    mkdir -p "$HOST_IDENTITY_DIR" "$HOST_ETC_MOUNT"
    printf 'nqn.2014-08.org.nvmexpress:uuid:%s\n' \
        "$(cat /proc/sys/kernel/random/uuid)" >"$HOST_IDENTITY_DIR/hostnqn"
    cat /proc/sys/kernel/random/uuid >"$HOST_IDENTITY_DIR/hostid"
}

# "${HOST_IDENTITY[@]}" COMMAND... - exec COMMAND (same PID, so it can
# follow start_daemon NAME) with the stack's NVMe identity in /etc/nvme.
# shellcheck disable=SC2016  # expanded by the inner bash
HOST_IDENTITY=(unshare --mount --propagation private -- bash -euc '
mount -t tmpfs -o size=1m,mode=0755 stack-host-etc "$1"
mkdir -p "$1/upper/nvme" "$1/work"
cp "$2/hostnqn" "$2/hostid" "$1/upper/nvme/"
mount -t overlay stack-host-etc -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc
shift 2
exec "$@"' host-identity "$HOST_ETC_MOUNT" "$HOST_IDENTITY_DIR")

# keystone_authtoken_section USER PASSWORD - the [keystone_authtoken]
# section of a service that authenticates as USER in the service project.
keystone_authtoken_section() {
    cat <<EOF
[keystone_authtoken]
www_authenticate_uri = http://$STACK_HOST:$STACK_KEYSTONE_PORT
auth_url = http://$STACK_HOST:$STACK_KEYSTONE_PORT
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $2
memcached_servers = $STACK_HOST:$STACK_MEMCACHED_PORT
EOF
}

load_secrets() {
    [[ -f $SECRETS_FILE ]] || die "no $SECRETS_FILE: run tools/stack/stack.sh first"
    # shellcheck source=/dev/null
    . "$SECRETS_FILE"
}
