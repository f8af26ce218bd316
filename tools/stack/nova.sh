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
# Nova and Placement, the test cloud's compute part (sourced after lib.sh;
# used when STACK_NOVA=1): placement-api and nova-api under gunicorn,
# nova-conductor, nova-scheduler, neutron-server's API with no networks
# (neutron.sh), and two compute hosts (stack-c1, stack-c2). Each compute
# host runs Nova's real libvirt driver against a libvirtd of its own (its
# own hostname, sockets and state, in a mount and UTS namespace) with QEMU's
# TCG (KVM guests stall on this machine kind), and its own NVMe host NQN. A
# volume attach thus runs Cinder's driver -> Nova's libvirt LightOS volume
# driver -> os-brick's LightOS connector -> the simulator's data plane -> a
# virtio disk of a running guest (Debian's cloud kernel with a busybox
# initramfs, which answers the hot-unplug of a detach).

# shellcheck source-path=SCRIPTDIR source=neutron.sh
. "$STACK_TOOLS/neutron.sh"

NOVA_ETC_DIR=$ETC_DIR/nova
NOVA_CONF=$NOVA_ETC_DIR/nova.conf
PLACEMENT_CONF=$ETC_DIR/placement/placement.conf
NOVA_URL=http://$STACK_HOST:$STACK_NOVA_PORT/v2.1
PLACEMENT_URL=http://$STACK_HOST:$STACK_PLACEMENT_PORT
NETWORK_URL=http://$STACK_HOST:$STACK_NETWORK_PORT
NOVA_HOSTS=(stack-c1 stack-c2)
# The guest tempest and the smoke walkthrough boot (IMAGE_REF,
# IMAGE_REF_ALT), written by start_nova and read by tempest.sh.
NOVA_IMAGES_FILE=$NOVA_ETC_DIR/images.env
# Every compute host's instances_path: a guest's domain XML names its disk,
# kernel and console files there, and a live migration hands that XML to the
# destination as it is, so the path must be the same on every host. Each
# host's libvirtd and nova-compute see their own directory
# ($DATA_DIR/nova-HOST/instances) mounted on it.
NOVA_INSTANCES_PATH=$DATA_DIR/nova/instances

# nova_running - true when this stack's nova-api runs and the guest images
# were uploaded.
nova_running() {
    pidfile_pid nova-api >/dev/null && [[ -s $NOVA_IMAGES_FILE ]]
}

# libvirt_uri HOST - the libvirt URI of compute host HOST.
libvirt_uri() {
    printf 'qemu:///system?socket=%s/libvirt-%s/libvirt-sock\n' "$RUN_DIR" "$1"
}

# nova_discovery_dir HOST - compute host HOST's discovery directory (os-brick's
# lightos_discovery_client_dir_path). Each host has its own, as on separate
# machines: with one for all, a live migration's source would remove, as it
# disconnects, the discovery file the destination has just written for the
# same volume, and with it the destination's device.
nova_discovery_dir() {
    printf '%s/discovery-%s.d\n' "$DATA_DIR" "$1"
}

# migration_addr HOST - the loopback address compute host HOST receives live
# migrations on: its libvirtd's TCP socket (the source's libvirtd connects to
# qemu+tcp://ADDR/system) and its QEMU's incoming migration and NBD streams.
# One per host, because both libvirtds share this machine's network.
migration_addr() {
    local i
    for i in "${!NOVA_HOSTS[@]}"; do
        [[ ${NOVA_HOSTS[i]} != "$1" ]] || printf '127.0.2.%d\n' $((i + 1))
    done
}

nova_databases_sql() {
    local db
    for db in nova_api nova nova_cell0 placement neutron; do
        printf "CREATE DATABASE %s;\nGRANT ALL ON %s.* TO 'stack'@'%s';\n" "$db" "$db" "$STACK_HOST"
    done
}

# nova_keystone_commands - `openstack` interactive commands that register
# the nova, placement and neutron service users and the compute, placement
# and network services with their endpoints.
nova_keystone_commands() {
    local user service
    for user in nova placement neutron; do
        cat <<EOF
user create --domain default --password $NOVA_PASSWORD $user
role add --project service --user $user admin
role add --project service --user $user service
EOF
    done
    cat <<EOF
service create --name nova compute
service create --name placement placement
service create --name neutron network
EOF
    for service in "compute $NOVA_URL" "placement $PLACEMENT_URL" "network $NETWORK_URL"; do
        for interface in public internal admin; do
            printf 'endpoint create --region RegionOne %s %s %s\n' \
                "${service% *}" "$interface" "${service#* }"
        done
    done
}

# service_auth_section SECTION USER PASSWORD - a keystoneauth password
# section for USER of the service project.
service_auth_section() {
    cat <<EOF
[$1]
auth_type = password
auth_url = http://$STACK_HOST:$STACK_KEYSTONE_PORT
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $3
region_name = RegionOne
EOF
}

write_nova_conf() {
    local db_url_base=$1 host
    mkdir -p "$NOVA_ETC_DIR" "$ETC_DIR/placement" "$DATA_DIR/nova/locks"
    cp "$STACK_VENV/etc/nova/api-paste.ini" "$NOVA_ETC_DIR/"
    (
        umask 077
        cat >"$PLACEMENT_CONF" <<EOF
[DEFAULT]
log_file = $LOG_DIR/placement-api.log

[placement_database]
connection = $db_url_base/placement?charset=utf8mb4

[api]
auth_strategy = keystone

$(keystone_authtoken_section placement "$NOVA_PASSWORD")
EOF
        cat >"$NOVA_CONF" <<EOF
[DEFAULT]
my_ip = $STACK_HOST
state_path = $DATA_DIR/nova
transport_url = rabbit://nova:$RABBIT_PASSWORD@$STACK_HOST:$STACK_RABBIT_PORT/nova
compute_driver = libvirt.LibvirtDriver
osapi_compute_listen = $STACK_HOST

[wsgi]
api_paste_config = $NOVA_ETC_DIR/api-paste.ini

[api_database]
connection = $db_url_base/nova_api?charset=utf8mb4

[database]
connection = $db_url_base/nova?charset=utf8mb4

[conductor]
workers = 1

[scheduler]
workers = 1

[oslo_concurrency]
lock_path = $DATA_DIR/nova/locks

$(keystone_authtoken_section nova "$NOVA_PASSWORD")

# Cinder refuses detaches of Nova's attachments without a service token.
$(service_auth_section service_user nova "$NOVA_PASSWORD")
send_service_user_token = true

$(service_auth_section placement placement "$NOVA_PASSWORD")

$(service_auth_section cinder nova "$NOVA_PASSWORD")

# neutron-server (tools/stack/neutron.sh), found in the catalog
$(service_auth_section neutron nova "$NOVA_PASSWORD")

[libvirt]
# KVM guests stall at boot on this machine kind; QEMU's TCG runs them.
virt_type = qemu
cpu_mode = none

[vnc]
enabled = false

[os_brick]
lock_path = $DATA_DIR/nova/locks
lightos_discovery_client_dir_path = $DISCOVERY_DIR
lightos_discovery_client_address = $STACK_HOST
lightos_discovery_client_port = $STACK_DISCOVERY_PORT
EOF
        for host in "${NOVA_HOSTS[@]}"; do
            mkdir -p "$NOVA_ETC_DIR/$host" "$DATA_DIR/nova-$host/instances" "$NOVA_INSTANCES_PATH"
            # Root already, without sudo: the privsep daemons are started
            # directly, with this host's configuration.
            local helper="$STACK_VENV/bin/privsep-helper --config-file $NOVA_CONF --config-file $NOVA_ETC_DIR/$host/compute.conf"
            cat >"$NOVA_ETC_DIR/$host/compute.conf" <<EOF
[DEFAULT]
host = $host
# its own compute_id (the node's UUID); its own instances, mounted here
state_path = $DATA_DIR/nova-$host
instances_path = $NOVA_INSTANCES_PATH
log_file = $LOG_DIR/nova-compute-$host.log
# unstack.sh stops a compute host with no task in flight; Nova's defaults
# (180 s, of which 160 s for the manager) kept it waiting on its idle thread
# pools until unstack.sh gave up and sent SIGKILL
graceful_shutdown_timeout = 10
manager_shutdown_timeout = 5
# Placement admits 4 vCPUs per core by default: 8 on this 2-core machine,
# which the concurrent tests' servers filled, so that a live migration to a
# named host found no room ("Over capacity for VCPU ... Used: 8, Capacity:
# 8.0"). The stack's guests are TCG guests that idle at ~5 % of a core.
cpu_allocation_ratio = 16.0

[libvirt]
connection_uri = $(libvirt_uri "$host")
# live migrations to this host: qemu+tcp://ADDR/system and tcp://ADDR
live_migration_inbound_addr = $(migration_addr "$host")

[workarounds]
# A live migration's destination fetches the guest's kernel (and ramdisk)
# with the deep image inspection that spawn does not apply to them; the
# inspection takes Debian's kernel (a bzImage, with the 0x55AA boot-sector
# signature) for a GPT disk and refuses it: "Safety check mbr on gpt failed
# because MBR PTE 0 has invalid boot flag". The images are the stack's own.
disable_deep_image_inspection = true

[privsep_osbrick]
helper_command = $helper

[os_brick]
lightos_discovery_client_dir_path = $(nova_discovery_dir "$host")

[nova_sys_admin]
helper_command = $helper
EOF
        done
    )
}

# start_libvirtd HOST - a libvirtd for compute host HOST: hostname HOST (the
# node name Nova reports to placement must differ per host), its sockets in
# $RUN_DIR/libvirt-HOST, its state on tmpfs and guest logs under $LOG_DIR.
# QEMU runs guests as root (no dynamic ownership) and writes their output to
# files itself (no virtlogd). For live migration it listens on TCP at
# migration_addr HOST without authentication (loopback only), with a host
# UUID of its own (libvirt refuses a migration between two hosts with the
# same one, which both would read from this machine's DMI) and a port range
# of its own for incoming guests.
start_libvirtd() {
    local host=$1
    local etc=$ETC_DIR/libvirt-$host addr ports
    addr=$(migration_addr "$host")
    ports=$((49152 + (${addr##*.} - 1) * 32))
    mkdir -p "$etc/libvirt" "$RUN_DIR/libvirt-$host" "$LOG_DIR/libvirt-$host"
    cp /etc/libvirt/libvirt.conf "$etc/libvirt/"
    cat >"$etc/libvirtd.conf" <<EOF
unix_sock_dir = "$RUN_DIR/libvirt-$host"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:$LOG_DIR/libvirt-$host/libvirtd.log"
listen_tls = 0
listen_tcp = 1
listen_addr = "$addr"
auth_tcp = "none"
host_uuid = "$(cat /proc/sys/kernel/random/uuid)"
EOF
    cat >"$etc/libvirt/qemu.conf" <<EOF
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
stdio_handler = "file"
# a test machine without systemd or a security module: no per-guest /dev
# namespace, cgroups or labels
namespaces = []
cgroup_controllers = []
security_driver = "none"
migration_address = "$addr"
migration_host = "$addr"
migration_port_min = $ports
migration_port_max = $((ports + 31))
EOF
    # shellcheck disable=SC2016  # expanded by the inner bash
    start_daemon "libvirtd-$host" unshare --mount --uts --propagation private -- bash -euc '
hostname "$1"
for dir in /run/libvirt /var/lib/libvirt /var/cache/libvirt; do
    mkdir -p "$dir"
    mount -t tmpfs -o mode=0755 "stack-libvirt" "$dir"
done
mkdir -p /var/log/libvirt
mount --bind "$3" /var/log/libvirt
mount --bind "$2/libvirt" /etc/libvirt
mount --bind "$5" "$6"
exec libvirtd --listen -f "$2/libvirtd.conf" --pid-file "$4"' libvirtd "$host" "$etc" \
        "$LOG_DIR/libvirt-$host" "$RUN_DIR/libvirt-$host/libvirtd.pid" \
        "$DATA_DIR/nova-$host/instances" "$NOVA_INSTANCES_PATH"
    wait_ready "libvirtd-$host" 60 virsh -c "$(libvirt_uri "$host")" version
}

# stop_libvirtd HOST - destroy the guests of HOST's libvirtd (QEMU leaves
# its session, so stopping libvirtd alone would leave them running), then
# stop it.
stop_libvirtd() {
    local uri domain
    uri=$(libvirt_uri "$1")
    if pidfile_pid "libvirtd-$1" >/dev/null; then
        for domain in $(virsh -c "$uri" list --name 2>/dev/null); do
            virsh -c "$uri" destroy "$domain" >/dev/null 2>&1 &&
                log "destroyed guest $domain on $1"
        done
    fi
    stop_daemon "libvirtd-$1"
}

# build_guest DIR - the guest tempest boots: Debian's cloud kernel and a
# busybox initramfs whose /init mounts /proc, /sys, /dev and waits. A
# kernel of its own answers the ACPI unplug a live detach needs; the ACPI
# power button's module and an event device let /init power the guest off
# when Nova stops, shelves or resizes it, instead of Nova waiting out its
# clean-shutdown timeout (60 s) and pulling the plug.
build_guest() {
    local dir=$1 root=$1/initramfs kernel version applet module
    kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*-cloud-amd64' | sort -V | tail -n 1)
    [[ -n $kernel ]] || die "no Debian cloud kernel in /boot: run tools/stack/install.sh with STACK_NOVA=1"
    version=${kernel#/boot/vmlinuz-}
    mkdir -p "$root"/{bin,proc,sys,dev,modules}
    cp /bin/busybox "$root/bin/busybox"
    for applet in sh mount sleep echo insmod dd poweroff; do
        ln -sf busybox "$root/bin/$applet"
    done
    for module in drivers/acpi/button.ko drivers/input/evdev.ko; do
        [[ -f /lib/modules/$version/kernel/$module ]] ||
            die "no $module for kernel $version: reinstall its linux-image package"
        cp "/lib/modules/$version/kernel/$module" "$root/modules/"
    done
    cat >"$root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
insmod /modules/button.ko
insmod /modules/evdev.ko
# the first event of the power button's input device powers the guest off
for event in /sys/class/input/event*; do
    read -r name <"$event/device/name"
    if [ "$name" = "Power Button" ]; then
        (dd if="/dev/input/${event##*/}" of=/dev/null bs=24 count=1 2>/dev/null
         echo "stack guest powering off"; poweroff -f) &
    fi
done
echo "stack guest ready"
while :; do sleep 3600; done
EOF
    chmod 755 "$root/init"
    (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initramfs.gz"
    cp "$kernel" "$dir/vmlinuz"
    head -c 1048576 /dev/zero >"$dir/disk.raw"
}

# upload_guest_images - the guest as a kernel, a ramdisk and a small raw
# disk pointing at them; Nova's libvirt driver boots the kernel directly.
upload_guest_images() {
    local dir=$DATA_DIR/nova/guest kernel_id ramdisk_id ids=() name
    build_guest "$dir"
    kernel_id=$(openstack image create --disk-format aki --container-format aki --public \
        --file "$dir/vmlinuz" stack-guest-kernel -f value -c id)
    ramdisk_id=$(openstack image create --disk-format ari --container-format ari --public \
        --file "$dir/initramfs.gz" stack-guest-ramdisk -f value -c id)
    for name in stack-guest stack-guest-alt; do
        ids+=("$(openstack image create --disk-format raw --container-format bare --public \
            --property kernel_id="$kernel_id" --property ramdisk_id="$ramdisk_id" \
            --file "$dir/disk.raw" "$name" -f value -c id)")
    done
    printf 'IMAGE_REF=%s\nIMAGE_REF_ALT=%s\n' "${ids[0]}" "${ids[1]}" >"$NOVA_IMAGES_FILE"
    log "guest images: ${ids[*]} (kernel $kernel_id, ramdisk $ramdisk_id)"
}

# start_nova DB_URL_BASE - configure, sync and start placement and nova,
# both compute hosts with their libvirtd, map the cells, and create the
# flavors and the multiattach volume type (the admin's credentials must be
# in the environment, and the services registered in Keystone).
start_nova() {
    local host identity neutron_db
    log "placement, neutron and nova"
    write_nova_conf "$1"
    write_neutron_conf "$1"
    # (about 10 s, meanwhile Placement and Nova set up their databases)
    neutron_db_upgrade &
    neutron_db=$!
    placement-manage --config-file "$PLACEMENT_CONF" db sync >"$LOG_DIR/placement-manage.log" 2>&1 ||
        die "placement-manage db sync failed; see $LOG_DIR/placement-manage.log"
    start_daemon placement-api env OS_PLACEMENT_CONFIG_DIR="$ETC_DIR/placement" \
        gunicorn --bind "$STACK_HOST:$STACK_PLACEMENT_PORT" --workers 1 --timeout 120 \
        --name placement-api --access-logfile "$LOG_DIR/placement-api-access.log" \
        placement.wsgi.api:application
    nova_manage() {
        nova-manage --config-file "$NOVA_CONF" "$@" >>"$LOG_DIR/nova-manage.log" 2>&1 ||
            die "nova-manage $1 $2 failed; see $LOG_DIR/nova-manage.log"
    }
    nova_manage api_db sync
    nova_manage cell_v2 map_cell0 --database_connection "$1/nova_cell0?charset=utf8mb4"
    nova_manage cell_v2 create_cell --name cell1
    nova_manage db sync
    wait "$neutron_db" ||
        die "neutron-db-manage upgrade heads failed; see $LOG_DIR/neutron-db-manage.log"
    start_neutron
    start_daemon nova-api env PYTHONPATH="$WSGI_DIR" OS_NOVA_CONFIG_DIR="$NOVA_ETC_DIR" \
        STACK_NOVA_API_LOG="$LOG_DIR/nova-api.log" \
        gunicorn --bind "$STACK_HOST:$STACK_NOVA_PORT" --workers 2 --timeout 120 \
        --graceful-timeout 5 \
        --name nova-api --access-logfile "$LOG_DIR/nova-api-access.log" \
        nova_api:application
    start_daemon nova-conductor nova-conductor --config-file "$NOVA_CONF" \
        --log-file "$LOG_DIR/nova-conductor.log"
    start_daemon nova-scheduler nova-scheduler --config-file "$NOVA_CONF" \
        --log-file "$LOG_DIR/nova-scheduler.log"
    for host in "${NOVA_HOSTS[@]}"; do
        start_libvirtd "$host"
        # its own NVMe host NQN, so that two hosts on one volume's ACL are
        # two entries
        identity=$ETC_DIR/nvme-$host
        mkdir -p "$identity"
        printf 'nqn.2014-08.org.nvmexpress:uuid:%s\n' \
            "$(cat /proc/sys/kernel/random/uuid)" >"$identity/hostnqn"
        cat /proc/sys/kernel/random/uuid >"$identity/hostid"
        # (in the host identity's mount namespace: its instances too)
        # shellcheck disable=SC2016  # expanded by the inner bash
        start_daemon "nova-compute-$host" "${HOST_IDENTITY[@]:0:${#HOST_IDENTITY[@]}-1}" \
            "$identity" bash -euc 'mount --bind "$1" "$2"; shift 2; exec "$@"' instances \
            "$DATA_DIR/nova-$host/instances" "$NOVA_INSTANCES_PATH" \
            nova-compute --config-file "$NOVA_CONF" --config-file "$NOVA_ETC_DIR/$host/compute.conf"
        log "compute host $host: libvirt driver, virt_type qemu (TCG), $(libvirt_uri "$host"), host NQN $(cat "$identity/hostnqn")"
    done
    wait_ready placement-api 120 curl -sf -o /dev/null "$PLACEMENT_URL/"
    wait_neutron
    wait_ready nova-api 180 curl -sf -o /dev/null "$NOVA_URL/"
    computes_up() {
        [[ $(openstack compute service list --service nova-compute -f value -c State |
            grep -cx up) == "${#NOVA_HOSTS[@]}" ]]
    }
    for host in "${NOVA_HOSTS[@]}"; do
        wait_ready "nova-compute-$host" 180 computes_up
    done
    # A host is mapped once its compute node record exists, which the
    # first resource update after the service came up writes.
    hosts_mapped() {
        nova-manage --config-file "$NOVA_CONF" cell_v2 discover_hosts >>"$LOG_DIR/nova-manage.log" 2>&1 &&
            [[ $(openstack hypervisor list -f value -c ID | wc -l) == "${#NOVA_HOSTS[@]}" ]]
    }
    wait_until "both compute hosts to be mapped to cell1" 180 hosts_mapped ||
        die "compute hosts not mapped; see $LOG_DIR/nova-compute-*.log and $LOG_DIR/nova-manage.log"
    openstack >"$LOG_DIR/nova-register.log" 2>&1 <<EOF || true
flavor create --id 1 --vcpus 1 --ram 128 --disk 1 m1.stack
flavor create --id 2 --vcpus 1 --ram 128 --disk 2 m1.stack-alt
EOF
    [[ $(openstack flavor list -f value -c ID | wc -l) == 2 ]] ||
        die "creating the flavors failed; see $LOG_DIR/nova-register.log"
    # (interactive mode would split the quoted value)
    openstack volume type create --property multiattach='<is> True' multiattach >/dev/null
    upload_guest_images
    openstack compute service list
    openstack hypervisor list
}

# stop_nova - stop the compute part, consumers first.
stop_nova() {
    local host
    stop_daemon nova-api
    for host in "${NOVA_HOSTS[@]}"; do
        stop_daemon "nova-compute-$host" 20
    done
    for host in "${NOVA_HOSTS[@]}"; do
        stop_libvirtd "$host"
    done
    stop_daemon nova-scheduler
    stop_daemon nova-conductor
    stop_daemon neutron-api
    stop_daemon placement-api
}
