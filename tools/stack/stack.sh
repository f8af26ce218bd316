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
# Bring up a fresh single-node test cloud on loopback: MariaDB, RabbitMQ,
# memcached, the LightOS simulator (with its data plane), Keystone (gunicorn)
# and cinder-api (gunicorn), cinder-scheduler, cinder-volume with two LightOS
# backend sections and cinder-backup with the POSIX driver; with STACK_GLANCE=1
# also glance-api (gunicorn) with the file store and two raw test images.
# Every process is started by hand in its own session and recorded
# by PID under $STACK_DIR/run; tools/stack/unstack.sh stops them. State of a
# previous run (databases, logs, config) is wiped first; the venv is kept.
# Prerequisite: tools/stack/install.sh.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=glance.sh
. "$STACK_TOOLS/glance.sh"
# shellcheck source-path=SCRIPTDIR source=nova.sh
. "$STACK_TOOLS/nova.sh"

[[ -x $STACK_VENV/bin/cinder-volume ]] || die "no venv at $STACK_VENV: run tools/stack/install.sh"
((EUID == 0)) || die "run as root (MariaDB and RabbitMQ are started as root)"
[[ $STACK_GLANCE == [01] ]] || die "STACK_GLANCE must be 0 or 1, not '$STACK_GLANCE'"
[[ $STACK_CLUSTER == [01] ]] || die "STACK_CLUSTER must be 0 or 1, not '$STACK_CLUSTER'"
[[ $STACK_NOVA == [01] ]] || die "STACK_NOVA must be 0 or 1, not '$STACK_NOVA'"
if ((STACK_NOVA)) && ! ((STACK_GLANCE)); then
    die "STACK_NOVA=1 needs STACK_GLANCE=1 (servers boot from images)"
fi
if ((STACK_NOVA)) && [[ ! -x $STACK_VENV/bin/nova-compute ]]; then
    die "no Nova in $STACK_VENV: run STACK_NOVA=1 tools/stack/install.sh"
fi

for name in "$RUN_DIR"/*.pid; do
    [[ -e $name ]] || continue
    name=${name##*/}
    if pidfile_pid "${name%.pid}" >/dev/null; then
        die "${name%.pid} from a previous bring-up still runs: run tools/stack/unstack.sh first"
    fi
done
IFS=, read -r -a sim_ips <<<"$STACK_SIM_IPS"
glance_hostport=()
if ((STACK_GLANCE)); then
    glance_hostport=("$STACK_HOST:$STACK_GLANCE_PORT")
fi
if ((STACK_CLUSTER)); then
    glance_hostport+=("$STACK_HOST:$STACK_ETCD_PORT" "$STACK_HOST:$STACK_ETCD_PEER_PORT")
fi
if ((STACK_NOVA)); then
    glance_hostport+=("$STACK_HOST:$STACK_NOVA_PORT" "$STACK_HOST:$STACK_PLACEMENT_PORT"
        "$STACK_HOST:$STACK_NETWORK_PORT")
fi
for hostport in "$STACK_HOST:$STACK_MYSQL_PORT" "$STACK_HOST:$STACK_RABBIT_PORT" \
    "$STACK_HOST:$STACK_RABBIT_DIST_PORT" "$STACK_HOST:$STACK_MEMCACHED_PORT" \
    "$STACK_HOST:$STACK_KEYSTONE_PORT" "$STACK_HOST:$STACK_CINDER_PORT" \
    "${sim_ips[0]}:$STACK_SIM_PORT" "${glance_hostport[@]}"; do
    require_free_port "${hostport%:*}" "${hostport##*:}"
done

log "fresh state in $STACK_DIR"
rm -rf "$RUN_DIR" "$LOG_DIR" "$ETC_DIR" "$DATA_DIR" "$TEMPEST_DIR" "$TEMPEST_DIR.workspace.yaml" \
    "$OPENRC"
mkdir -p "$RUN_DIR" "$LOG_DIR/rabbitmq" "$ETC_DIR"/{cinder,keystone,mysql,rabbitmq} \
    "$DATA_DIR"/{cinder/locks,cinder/backup,mysql,rabbitmq/mnesia,simulator}
chmod 700 "$ETC_DIR"
write_host_identity

new_secret() {
    od -An -tx1 -N12 /dev/urandom | tr -d ' \n'
}
umask 077
cat >"$SECRETS_FILE" <<EOF
ADMIN_PASSWORD=$(new_secret)
CINDER_PASSWORD=$(new_secret)
GLANCE_PASSWORD=$(new_secret)
DB_PASSWORD=$(new_secret)
RABBIT_PASSWORD=$(new_secret)
NOVA_PASSWORD=$(new_secret)
EOF
umask 022
load_secrets

# ---- MariaDB ----------------------------------------------------------------
# sqlite is not an option: with three Cinder processes writing, cinder-volume
# soon fails with "database is locked".
log "mariadb"
cat >"$MYSQL_CNF" <<EOF
[mysqld]
user = root
datadir = $DATA_DIR/mysql
socket = $RUN_DIR/mysqld.sock
pid-file = $RUN_DIR/mysqld.pidfile
log-error = $LOG_DIR/mariadb.log
bind-address = $STACK_HOST
port = $STACK_MYSQL_PORT
skip-name-resolve
max_connections = 1000
innodb_buffer_pool_size = 256M
innodb_flush_log_at_trx_commit = 2
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci

[client]
socket = $RUN_DIR/mysqld.sock
EOF
mariadb-install-db --defaults-file="$MYSQL_CNF" --auth-root-authentication-method=socket \
    >"$LOG_DIR/mariadb-install.log" 2>&1
start_daemon mariadb mariadbd --defaults-file="$MYSQL_CNF"
wait_ready mariadb 60 mariadb-admin --defaults-file="$MYSQL_CNF" ping
mariadb --defaults-file="$MYSQL_CNF" <<EOF
CREATE DATABASE keystone;
CREATE DATABASE cinder;
CREATE USER 'stack'@'$STACK_HOST' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL ON keystone.* TO 'stack'@'$STACK_HOST';
GRANT ALL ON cinder.* TO 'stack'@'$STACK_HOST';
EOF
if ((STACK_GLANCE)); then
    mariadb --defaults-file="$MYSQL_CNF" <<EOF
CREATE DATABASE glance;
GRANT ALL ON glance.* TO 'stack'@'$STACK_HOST';
EOF
fi
if ((STACK_NOVA)); then
    mariadb --defaults-file="$MYSQL_CNF" <<<"$(nova_databases_sql)"
fi
DB_URL_BASE="mysql+pymysql://stack:$DB_PASSWORD@$STACK_HOST:$STACK_MYSQL_PORT"

# ---- RabbitMQ ---------------------------------------------------------------
# Run the server script directly (the /usr/sbin wrapper switches to the
# rabbitmq user). epmd is started first, in the foreground under our PID
# file: left to itself, Erlang daemonizes it outside our process group.
log "rabbitmq"
printf '[].\n' >"$ETC_DIR/rabbitmq/enabled_plugins"
printf 'listeners.tcp.default = %s:%s\nloopback_users = none\n' \
    "$STACK_HOST" "$STACK_RABBIT_PORT" >"$ETC_DIR/rabbitmq/rabbitmq.conf"
if ! port_in_use "$STACK_HOST" "$STACK_EPMD_PORT"; then
    start_daemon epmd epmd -address "$STACK_HOST" -port "$STACK_EPMD_PORT"
fi
(
    rabbit_env
    start_daemon rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
)
wait_ready rabbitmq 120 rabbitmqctl_ -q await_startup
rabbitmqctl_ -q add_user cinder "$RABBIT_PASSWORD" >/dev/null
rabbitmqctl_ -q set_permissions cinder '.*' '.*' '.*' >/dev/null
if ((STACK_NOVA)); then
    # Nova's own virtual host: its services and Cinder's never share queues
    rabbitmqctl_ -q add_vhost nova >/dev/null
    rabbitmqctl_ -q add_user nova "$RABBIT_PASSWORD" >/dev/null
    rabbitmqctl_ -q set_permissions -p nova nova '.*' '.*' '.*' >/dev/null
    # and neutron's, for the casts its API sends (no agent consumes them)
    rabbitmqctl_ -q add_vhost neutron >/dev/null
    rabbitmqctl_ -q add_user neutron "$RABBIT_PASSWORD" >/dev/null
    rabbitmqctl_ -q set_permissions -p neutron neutron '.*' '.*' '.*' >/dev/null
fi

# ---- memcached --------------------------------------------------------------
# Keystone's cache: without it every token validation costs a few hundred SQL
# queries (about 0.5 s per request on a 2-core machine).
log "memcached"
start_daemon memcached memcached -u root -l "$STACK_HOST" -p "$STACK_MEMCACHED_PORT" -U 0 -m 64

# ---- etcd (STACK_CLUSTER=1) -------------------------------------------------
# The cluster's coordination backend: every lock Cinder and the driver take
# (tooz's etcd3gw driver) is then held in etcd, seen by both services.
if ((STACK_CLUSTER)); then
    log "etcd"
    etcd_url=http://$STACK_HOST:$STACK_ETCD_PORT
    etcd_peer=http://$STACK_HOST:$STACK_ETCD_PEER_PORT
    start_daemon etcd etcd --name stack --data-dir "$DATA_DIR/etcd" \
        --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
        --listen-peer-urls "$etcd_peer" --initial-advertise-peer-urls "$etcd_peer" \
        --initial-cluster "stack=$etcd_peer"
    wait_ready etcd 60 curl -sf "$etcd_url/health"
    coordination_url=etcd3+$etcd_url
else
    coordination_url=file://$DATA_DIR/cinder/coordination
fi

# ---- LightOS simulator ------------------------------------------------------
# shellcheck source-path=SCRIPTDIR source=simulator.sh
. "$STACK_TOOLS/simulator.sh"
compute_discovery_dirs=()
if ((STACK_NOVA)); then
    for host in "${NOVA_HOSTS[@]}"; do
        compute_discovery_dirs+=("$(nova_discovery_dir "$host")")
    done
fi
start_simulator "${compute_discovery_dirs[@]}"

# ---- Keystone ---------------------------------------------------------------
log "keystone"
cat >"$KEYSTONE_CONF" <<EOF
[DEFAULT]
log_file = $LOG_DIR/keystone.log

[database]
connection = $DB_URL_BASE/keystone?charset=utf8mb4

[token]
provider = fernet

[fernet_tokens]
key_repository = $ETC_DIR/keystone/fernet-keys

[credential]
key_repository = $ETC_DIR/keystone/credential-keys

[cache]
enabled = True
backend = dogpile.cache.pymemcache
memcache_servers = $STACK_HOST:$STACK_MEMCACHED_PORT

[identity]
# A test cloud: bcrypt's default of 12 rounds costs 0.25 s of CPU per check.
password_hash_rounds = 4
EOF
mkdir -m 700 "$ETC_DIR/keystone/fernet-keys" "$ETC_DIR/keystone/credential-keys"
keystone_manage() {
    keystone-manage --config-file "$KEYSTONE_CONF" "$@" >>"$LOG_DIR/keystone-manage.log" 2>&1
}
keystone_manage db_sync
keystone_manage fernet_setup --keystone-user root --keystone-group root
keystone_manage credential_setup --keystone-user root --keystone-group root
keystone_manage bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "$KEYSTONE_URL" \
    --bootstrap-internal-url "$KEYSTONE_URL" \
    --bootstrap-public-url "$KEYSTONE_URL"
start_daemon keystone env PYTHONPATH="$WSGI_DIR" STACK_KEYSTONE_CONF="$KEYSTONE_CONF" \
    gunicorn --bind "$STACK_HOST:$STACK_KEYSTONE_PORT" --workers 2 --timeout 120 \
    --name keystone --access-logfile "$LOG_DIR/keystone-access.log" \
    keystone_public:application
wait_ready keystone 120 curl -sf -o /dev/null "$KEYSTONE_URL"

umask 077
cat >"$OPENRC" <<EOF
# Credentials of the local test cloud's admin (source this file).
export OS_AUTH_URL=$KEYSTONE_URL
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=admin
export OS_PASSWORD=$ADMIN_PASSWORD
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export OS_VOLUME_API_VERSION=3
export PATH=$STACK_VENV/bin:\$PATH
export PYTHONWARNINGS=ignore
EOF
umask 022
# shellcheck source=/dev/null
. "$OPENRC"

# One client process for all registrations: each `openstack` start costs
# seconds. Interactive mode neither stops on errors nor reports them in its
# exit status, so the result is checked below.
openstack >"$LOG_DIR/keystone-register.log" 2>&1 <<EOF || true
project create --domain default service
user create --domain default --password $CINDER_PASSWORD cinder
role add --project service --user cinder admin
role add --project service --user cinder service
service create --name cinderv3 volumev3
endpoint create --region RegionOne volumev3 public $CINDER_URL
endpoint create --region RegionOne volumev3 internal $CINDER_URL
endpoint create --region RegionOne volumev3 admin $CINDER_URL
$(if ((STACK_GLANCE)); then glance_keystone_commands; fi)
$(if ((STACK_NOVA)); then nova_keystone_commands; fi)
EOF
if [[ $(openstack endpoint list --service volumev3 -f value -c URL | wc -l) != 3 ]]; then
    cat "$LOG_DIR/keystone-register.log" >&2
    die "registering cinder in keystone failed"
fi
if ((STACK_GLANCE)) &&
    [[ $(openstack endpoint list --service image -f value -c URL | wc -l) != 3 ]]; then
    cat "$LOG_DIR/keystone-register.log" >&2
    die "registering glance in keystone failed"
fi

if ((STACK_NOVA)) &&
    [[ $(openstack endpoint list -f value -c 'Service Type' | grep -cxE 'compute|placement|network') != 9 ]]; then
    cat "$LOG_DIR/keystone-register.log" >&2
    die "registering nova, placement and the network API in keystone failed"
fi

# ---- Cinder -----------------------------------------------------------------
log "cinder ($STACK_VOLUME_DRIVER)"
cinder_etc=$STACK_VENV/etc/cinder
cat >"$CINDER_CONF" <<EOF
[DEFAULT]
log_dir = $LOG_DIR
state_path = $DATA_DIR/cinder
my_ip = $STACK_HOST
host = stack
osapi_volume_listen = $STACK_HOST
transport_url = rabbit://cinder:$RABBIT_PASSWORD@$STACK_HOST:$STACK_RABBIT_PORT/
auth_strategy = keystone
# pip puts these under the venv, not /etc/cinder; without the filters file
# every list filter (?name=, ?status=) is silently ignored
api_paste_config = $cinder_etc/api-paste.ini
rootwrap_config = $cinder_etc/rootwrap.conf
resource_query_filters_file = $cinder_etc/resource_filters.json
enabled_backends = lightos-1,lightos-2
$(if ((STACK_CLUSTER)); then
    printf '# active-active: cinder-volume of hosts stack and stack-2\ncluster = stack-cluster\n'
fi)
default_volume_type = __DEFAULT__
backup_driver = cinder.backup.drivers.posix.PosixBackupDriver
backup_posix_path = $DATA_DIR/cinder/backup
# zlib only costs CPU on a 2-core test machine
backup_compression_algorithm = none
$(if ((STACK_GLANCE)); then
    printf '# images: glance-api of this stack (file store)\nglance_api_servers = %s\n' \
        "$GLANCE_URL"
fi)

[database]
connection = $DB_URL_BASE/cinder?charset=utf8mb4

[oslo_concurrency]
lock_path = $DATA_DIR/cinder/locks

[coordination]
backend_url = $coordination_url

$(keystone_authtoken_section cinder "$CINDER_PASSWORD")

# Attaching on this host (cinder-backup, host-assisted copies): os-brick's
# LightOS connector talks to the simulator's emulated discovery-client.
[os_brick]
lightos_discovery_client_dir_path = $DISCOVERY_DIR
lightos_discovery_client_address = $STACK_HOST
lightos_discovery_client_port = $STACK_DISCOVERY_PORT

# Root already, without sudo: the privsep daemons are started directly.
[privsep_osbrick]
helper_command = $STACK_VENV/bin/privsep-helper --config-file $CINDER_CONF
$(if ((STACK_NOVA)); then
    printf '\n# Telling Nova about volumes extended while attached\n'
    service_auth_section nova cinder "$CINDER_PASSWORD"
    printf 'interface = public\n'
fi)

[cinder_sys_admin]
helper_command = $STACK_VENV/bin/privsep-helper --config-file $CINDER_CONF

$(simulator_backend_section lightos-1 3 False)

$(simulator_backend_section lightos-2 2 True)
EOF
chmod 600 "$CINDER_CONF"
cinder-manage --config-file "$CINDER_CONF" db sync >"$LOG_DIR/cinder-manage.log" 2>&1
start_daemon cinder-scheduler cinder-scheduler --config-file "$CINDER_CONF"
start_daemon cinder-volume "${HOST_IDENTITY[@]}" cinder-volume --config-file "$CINDER_CONF"
start_daemon cinder-backup "${HOST_IDENTITY[@]}" cinder-backup --config-file "$CINDER_CONF"
start_daemon cinder-api env PYTHONPATH="$WSGI_DIR" STACK_CINDER_CONF="$CINDER_CONF" \
    STACK_CINDER_API_LOG="$LOG_DIR/cinder-api.log" \
    gunicorn --bind "$STACK_HOST:$STACK_CINDER_PORT" --workers 2 --timeout 120 \
    --name cinder-api --access-logfile "$LOG_DIR/cinder-api-access.log" \
    cinder_api:application
# while the Cinder services initialise
if ((STACK_GLANCE)); then
    start_glance "$DB_URL_BASE"
fi
wait_ready cinder-api 120 curl -sf -o /dev/null "http://$STACK_HOST:$STACK_CINDER_PORT/"

# Ready once the scheduler knows both backends' pools: that needs the
# services up AND each driver initialised and reporting stats.
driver_failed() {
    grep -q 'Failed to initialize driver' \
        "$LOG_DIR/cinder-volume.log" 2>/dev/null
}
pool_count() {
    openstack volume backend pool list -f value 2>/dev/null | wc -l
}
cinder_settled() {
    driver_failed || ! pidfile_pid cinder-volume >/dev/null ||
        ! pidfile_pid cinder-scheduler >/dev/null || [[ $(pool_count) == 2 ]]
}
wait_until "both backends to report their pools" 180 cinder_settled || true
require_running cinder-scheduler
require_running cinder-volume
require_running cinder-backup
if driver_failed; then
    grep -A 25 'Failed to initialize driver' \
        "$LOG_DIR/cinder-volume.log" >&9
    die "a backend driver failed to initialise; see $LOG_DIR/cinder-volume.log"
fi
[[ $(pool_count) == 2 ]] || die "backend pools not reported; see $LOG_DIR/cinder-volume.log"
if ((STACK_CLUSTER)); then
    # The second service of the cluster, started once the first created
    # the cluster's rows (two services creating them at once can clash).
    printf '[DEFAULT]\nhost = stack-2\nlog_file = cinder-volume-2.log\n' >"$CINDER_CONF_2"
    start_daemon cinder-volume-2 "${HOST_IDENTITY[@]}" cinder-volume \
        --config-file "$CINDER_CONF" --config-file "$CINDER_CONF_2"
    volume_services_up() {
        [[ $(openstack volume service list --service cinder-volume -f value -c State |
            grep -cx up) == 4 ]]
    }
    wait_ready cinder-volume-2 120 volume_services_up
fi
backup_up() {
    openstack volume service list --service cinder-backup -f value -c State |
        grep -qx up
}
wait_ready cinder-backup 120 backup_up
openstack volume service list
openstack volume backend pool list
if ((STACK_NOVA)); then
    start_nova "$DB_URL_BASE"
fi
log "stack ready: . $OPENRC; tear down with: bash $STACK_TOOLS/unstack.sh"
