# shellcheck shell=bash
# Helpers shared by scripts/demo and scripts/benchmark-failover (sourced, not executed).

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO_DIR=${HAGENT_DEMO_DIR:-$repo/demo-data}
DEMO_USER=${HAGENT_DEMO_USER:-postgres}
PG_BIN=${HAGENT_DEMO_PG_BIN:-/usr/lib/postgresql/15/bin}
STATE=$DEMO_DIR/demo.env
NODES=(node1 node2 node3)

die() { echo "error: $*" >&2; exit 1; }

# Runs a command as the database user: PostgreSQL refuses to run as root.
as_pg() {
  if [ "$(id -un)" = "$DEMO_USER" ]; then
    "$@"
  elif [ "$(id -u)" = 0 ]; then
    runuser -u "$DEMO_USER" -- "$@"
  else
    sudo -u "$DEMO_USER" -- "$@"
  fi
}

# Prints the body of an HTTP GET on 127.0.0.1:PORT (no curl needed); fails when nothing answers.
http_get() {
  local port=$1 path=$2 response
  response=$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
    timeout 3 cat <&3
  ) || return 1
  [ -n "$response" ] || return 1
  printf '%s\n' "${response#*$'\r\n\r\n'}"
}

# Extracts a top-level string field from a JSON object printed on stdin ("role": "primary").
json_field() {
  sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" | head -n1
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True when the PID file names a live process whose command line contains the marker.
pid_alive() {
  local pidfile=$1 marker=$2 pid
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

load_state() {
  [ -f "$STATE" ] || die "no demo cluster in $DEMO_DIR (start one with: scripts/demo)"
  # shellcheck source=/dev/null
  . "$STATE"
}

rest_port_of() { local v="REST_$1"; echo "${!v}"; }
pg_port_of() { local v="PG_$1"; echo "${!v}"; }

# Name of the node whose /patroni says role primary (empty when none).
current_primary() {
  local n body
  for n in "${NODES[@]}"; do
    body=$(http_get "$(rest_port_of "$n")" /patroni) || continue
    if [ "$(json_field role <<<"$body")" = primary ]; then
      echo "$n"
      return 0
    fi
  done
  return 1
}

# Counts nodes whose /patroni reports a streaming replica.
streaming_replicas() {
  local n body count=0
  for n in "${NODES[@]}"; do
    body=$(http_get "$(rest_port_of "$n")" /patroni) || continue
    [ "$(json_field replication_state <<<"$body")" = streaming ] && count=$((count + 1))
  done
  echo "$count"
}

# Waits until there is a primary and 2 streaming replicas; returns 1 after the timeout (seconds).
wait_healthy() {
  local timeout=$1 start=$SECONDS
  while [ $((SECONDS - start)) -lt "$timeout" ]; do
    if current_primary >/dev/null && [ "$(streaming_replicas)" -ge 2 ]; then
      return 0
    fi
    sleep 1
  done
  return 1
}
