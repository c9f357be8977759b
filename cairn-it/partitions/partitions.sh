#!/usr/bin/env bash
# Network partitions of a 3-member Cairn cluster, one member per network namespace. Run by hand,
# as root, from the repository (never in `mvn verify`: it needs CAP_NET_ADMIN):
#
#   ./cairn --help >/dev/null && ./loadgen --help >/dev/null   # builds both jars
#   sudo cairn-it/partitions/partitions.sh [a] [b] [c] [d]      # default: all four scenarios
#
# Layout: namespaces cairnp-1..3 (member nK on 10.99.0.K), cairnp-c (clients, 10.99.0.10) and
# cairnp-br (a bridge joining their veth pairs). Nothing is created in the caller's namespace and
# nothing leaves these namespaces: every address is in 10.99.0.0/24, and no namespace has a route
# elsewhere. A member is cut off by setting its bridge port down (both directions, silently: no
# RST reaches anyone), healed by setting it up again.
#
# Scenarios, each with blocking HTTP writers in cairnp-c (one write at a time each, 4 s deadline,
# moving to the next member after a failure) whose every acknowledged write is checked afterwards:
#   a  the leader cut off from both followers: the two elect a new leader; writes to the old one
#      (from inside its own namespace) fail with 503 within their deadline and acknowledge nothing;
#      its reads say X-Cairn-Known-Leader: false; healed, it rejoins as a follower.
#   b  a follower cut off while an SDK client (PartitionClient.java) has its session and its view
#      on it: the client moves to another member, its session and 5 instances survive (their
#      service's revision does not move), and its view ends equal to the members' list, having shown
#      only states the catalog held, in order.
#   c  a flapping link: a follower's port down and up FLAPS times (FLAP_MS each way).
#   d  clients on the minority side, run twice: a follower, then the leader, cut off from the other
#      two members but not from the clients (a veth straight from cairnp-c to the member, routed
#      for its address only, while its bridge port is down). An SDK client (PartitionClient.java)
#      has its session on that member and WRITERS more writers write to it only: it acknowledges
#      none of their writes while cut off (503 saying no quorum, within the 4 s deadline); its reads
#      say X-Cairn-Known-Leader: false; the client resumes its session on the majority within its
#      5 s TTL, its 5 instances surviving (their service's revision does not move); healed, the
#      member follows the majority's leader.
# After each: every acknowledged write on every member, and the members' catalog digests (every
# service's instances, sorted) equal at one applied index.
#
# Bounded: every wait has a deadline, the writers stop after MAX_WRITES or the scenario's end, the
# whole run after MAX_SECONDS. Members, clients, namespaces (and with them the veths and the bridge)
# are removed on exit, whatever happens; member logs stay in the work directory it prints.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
CAIRN_JAR="${CAIRN_JAR:-$root/cairn-cli/target/cairn.jar}"
LOADGEN_JAR="${LOADGEN_JAR:-$root/cairn-loadgen/target/cairn-loadgen.jar}"
RAFT_PORT="${RAFT_PORT:-21001}"   # the same ports in every namespace
HTTP_PORT="${HTTP_PORT:-21100}"
GRPC_PORT="${GRPC_PORT:-21101}"
ISOLATE_SECONDS="${ISOLATE_SECONDS:-8}"
FLAPS="${FLAPS:-20}"
FLAP_MS="${FLAP_MS:-400}"
MAX_WRITES="${MAX_WRITES:-5000}"
MAX_SECONDS="${MAX_SECONDS:-600}"
WRITERS="${WRITERS:-3}"
# the SDK client's JVM options, e.g. its log's level and timestamps:
# -Dorg.slf4j.simpleLogger.log.dev.cairn.client=debug -Dorg.slf4j.simpleLogger.showDateTime=true
CLIENT_OPTS="${CLIENT_OPTS:-}"
MEMBER_OPTS="${MEMBER_OPTS:--XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC -Xss256k -Xms64m -Xmn24m -Xmx512m -XX:TieredStopAtLevel=1}"
NS=cairnp
NET=10.99.0

# ---- internal subcommands, run inside cairnp-c by the script itself ------------------------------

# _writer W DIR: blocking writes of persistent instances pw-W-<scenario>-<seq> (service pw-W) until
# DIR/stop exists, MAX_WRITES or MAX_SECONDS; one line per write to DIR/writes-W.log: start_ns end_ns
# id member http_code.
# With PIN=K set, the writer writes to member K only (never moving), ids pin-W-<scenario>-<seq>, to
# DIR/writes-pin-W.log.
if [[ "${1:-}" == "_writer" ]]; then
  w="$2" dir="$3" n=0 m=$(( $2 % 3 + 1 )) end=$((SECONDS + MAX_SECONDS)) prefix=pw log="writes-$2"
  if [[ -n "${PIN:-}" ]]; then m=$PIN prefix=pin log="writes-pin-$2"; fi
  while (( n < MAX_WRITES && SECONDS < end )) && [[ ! -e "$dir/stop" ]]; do
    id="$prefix-$w-$(basename "$dir")-$n"  # the scenario's own ids: its writes are not earlier ones
    start=$(date +%s%N)
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 4 -X PUT -H 'Content-Type: application/json' \
      -d '{"address":"10.99.0.10","ports":{"http":80}}' \
      "http://$NET.$m:$HTTP_PORT/v1/services/pw-$w/instances/$id" || true)
    echo "$start $(date +%s%N) $id $m $code" >>"$dir/$log.log"
    if [[ -z "${PIN:-}" && "$code" != 200 && "$code" != 201 ]]; then
      m=$(( m % 3 + 1 ))
    fi
    n=$((n + 1))
  done
  exit 0
fi

# ---- set-up and clean-up --------------------------------------------------------------------------

(( EUID == 0 )) || { echo "partitions: run as root (network namespaces)" >&2; exit 2; }
for tool in ip curl jq java sha256sum; do
  command -v "$tool" >/dev/null || { echo "partitions: $tool not found" >&2; exit 2; }
done
[[ -f "$CAIRN_JAR" && -f "$LOADGEN_JAR" ]] ||
  { echo "partitions: build $CAIRN_JAR and $LOADGEN_JAR first (./cairn --help; ./loadgen --help)" >&2; exit 2; }
for n in br 1 2 3 c; do
  if ip netns list | grep -qw "$NS-$n"; then
    echo "partitions: namespace $NS-$n exists (another run?); remove it first" >&2; exit 2
  fi
done

work="$(mktemp -d -t cairn-partitions-XXXXXX)"
declare -A pid=()
started=$SECONDS
failures=0
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")"

cleanup() {
  set +e
  touch "$work/stop"
  for k in "${!pid[@]}"; do
    kill -TERM "${pid[$k]}" 2>/dev/null
  done
  for k in "${!pid[@]}"; do
    for _ in $(seq 50); do kill -0 "${pid[$k]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pid[$k]}" 2>/dev/null
  done
  for n in 1 2 3 c br; do ip netns del "$NS-$n" 2>/dev/null; done
  echo "partitions: cleaned up; member logs in $work" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ns() { local n="$1"; shift; ip netns exec "$NS-$n" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check_time() { (( SECONDS - started < MAX_SECONDS )) || { echo "partitions: over $MAX_SECONDS s" >&2; exit 1; }; }

ip netns add "$NS-br"
ns br ip link set lo up
ns br ip link add br0 type bridge
ns br ip link set br0 up
for n in 1 2 3 c; do
  addr=$([[ $n == c ]] && echo "$NET.10" || echo "$NET.$n")
  ip netns add "$NS-$n"
  ns "$n" ip link set lo up
  # both ends created straight in their namespaces: nothing appears in the caller's
  ip link add eth0 netns "$NS-$n" type veth peer name "p$n" netns "$NS-br"
  ns "$n" ip addr add "$addr/24" dev eth0
  ns "$n" ip link set eth0 up
  ns br ip link set "p$n" master br0
  ns br ip link set "p$n" up
done

link_down() { ns br ip link set "p$1" down; }
link_up() { ns br ip link set "p$1" up; }

peers="n1=$NET.1:$RAFT_PORT,n2=$NET.2:$RAFT_PORT,n3=$NET.3:$RAFT_PORT"
for i in 1 2 3; do
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=1 ip netns exec "$NS-$i" java $MEMBER_OPTS -jar "$CAIRN_JAR" server \
    --node-id "n$i" --peers "$peers" --bind "$NET.$i" --data-dir "$work/n$i" \
    --http-port "$HTTP_PORT" --grpc-port "$GRPC_PORT" --dns-port -1 \
    --insecure-allow-open-access >"$work/n$i.log" 2>&1 &
  pid[n$i]=$!
done
echo "partitions: members n1..n3 pids ${pid[n1]} ${pid[n2]} ${pid[n3]}, work dir $work" >&2

# status N [FROM]: member N's /v1/status as seen from namespace FROM (default: c, the clients')
status() { ns "${2:-c}" curl -s -m 2 "http://$NET.$1:$HTTP_PORT/v1/status" || true; }
leader_of() { status "$1" "${2:-c}" | jq -r '.cluster.leader // empty' 2>/dev/null || true; }
applied_of() { status "$1" "${2:-c}" | jq -r '.cluster.appliedIndex // 0' 2>/dev/null || echo 0; }
commit_of() { status "$1" "${2:-c}" | jq -r '.cluster.commitIndex // 0' 2>/dev/null || echo 0; }

# await_leader [EXCEPT] [MEMBERS...]: the leader the given members (default all) agree on, not EXCEPT
await_leader() {
  local except="${1:-}" deadline=$((SECONDS + 60)) members=(1 2 3)
  if (( $# > 1 )); then shift; members=("$@"); fi
  while (( SECONDS < deadline )); do
    local agreed="" ok=1
    for m in "${members[@]}"; do
      local l; l=$(leader_of "$m")
      if [[ -z "$l" || ( -n "$agreed" && "$l" != "$agreed" ) ]]; then ok=0; break; fi
      agreed="$l"
    done
    if (( ok )) && [[ -n "$agreed" && "$agreed" != "n$except" ]]; then echo "${agreed#n}"; return 0; fi
    sleep 0.05
  done
  return 1
}

for i in 1 2 3; do
  deadline=$((SECONDS + 90))
  until [[ -n "$(status "$i")" ]]; do
    (( SECONDS < deadline )) || { echo "partitions: n$i did not start; see $work/n$i.log" >&2; exit 1; }
    sleep 0.2
  done
done
L=$(await_leader) || { echo "partitions: no leader within 60 s" >&2; exit 1; }
echo "partitions: cluster up, leader n$L ($((SECONDS - started)) s)" >&2

writers_start() { # LABEL [PIN]: WRITERS blocking writers into $work/$LABEL, and WRITERS more
                  # writing to member PIN only when given
  mkdir -p "$work/$1"
  for w in $(seq 0 $((WRITERS - 1))); do
    # 7>&-: not holding the SDK client's stdin open (its end is its EOF)
    MAX_WRITES=$MAX_WRITES MAX_SECONDS=$MAX_SECONDS HTTP_PORT=$HTTP_PORT \
      ip netns exec "$NS-c" bash "$self" _writer "$w" "$work/$1" 7>&- &
    pid[writer-$1-$w]=$!
    if [[ -n "${2:-}" ]]; then
      PIN=$2 MAX_WRITES=$MAX_WRITES MAX_SECONDS=$MAX_SECONDS HTTP_PORT=$HTTP_PORT \
        ip netns exec "$NS-c" bash "$self" _writer "$w" "$work/$1" 7>&- &
      pid[writer-$1-pin-$w]=$!
    fi
  done
}
writers_stop() {
  touch "$work/$1/stop"
  for w in $(seq 0 $((WRITERS - 1))); do
    for k in "writer-$1-$w" "writer-$1-pin-$w"; do
      [[ -n "${pid[$k]:-}" ]] || continue
      wait "${pid[$k]}" 2>/dev/null || true
      unset "pid[$k]"
    done
  done
}

# first_ack_after LABEL T_NS: ms from T_NS to the first acknowledged write begun after it
first_ack_after() {
  cat "$work/$1"/writes-[0-9]*.log |
    awk -v t="$2" '$1 > t && ($5 == 200 || $5 == 201) { if (!m || $2 < m) m = $2 } END { if (m) printf "%d", (m - t) / 1e6; else print "none" }'
}

# await_in_sync: every member applied what the leader committed (writes stopped); false after 60 s
await_in_sync() {
  local l; l=$(await_leader) || return 1
  local target; target=$(commit_of "$l")
  local deadline=$((SECONDS + 60))
  for m in 1 2 3; do
    until (( $(applied_of "$m") >= target )); do
      (( SECONDS < deadline )) || return 1
      sleep 0.1
    done
  done
}

# digest N: sha256 of every service's instances on member N (default namespace), sorted by id
digest() {
  local m="$1" services
  services=$(ns c curl -s -m 5 "http://$NET.$m:$HTTP_PORT/v1/services" | jq -r '.services[].name')
  for s in $services; do
    ns c curl -s -m 5 "http://$NET.$m:$HTTP_PORT/v1/services/$s/instances" |
      jq -c '[.service, .revision, (.instances | sort_by(.id))]'
  done | sha256sum | cut -c1-16
}

# check LABEL: every acknowledged write of the label's writers on every member; digests equal
check() {
  local label="$1"
  await_in_sync || fail "$label: members not in sync within 60 s"
  local acked; acked=$(cat "$work/$label"/writes-*.log | awk '$5 == 200 || $5 == 201 { print $3 }' | sort -u)
  local n_acked; n_acked=$(echo "$acked" | grep -c . || true)
  local n_failed; n_failed=$(cat "$work/$label"/writes-*.log | awk '$5 != 200 && $5 != 201' | wc -l)
  local d1="" lost_all=""
  for m in 1 2 3; do
    local present; present=$(for w in $(seq 0 $((WRITERS - 1))); do
      ns c curl -s -m 5 "http://$NET.$m:$HTTP_PORT/v1/services/pw-$w/instances" | jq -r '.instances[].id'
    done | sort -u)
    local lost; lost=$(comm -23 <(echo "$acked") <(echo "$present") | grep -c . || true)
    lost_all+="n$m $lost / "
    (( lost == 0 )) || fail "$label: n$m lacks $lost acknowledged writes"
    local d; d=$(digest "$m")
    [[ -z "$d1" || "$d" == "$d1" ]] || fail "$label: n$m's catalog digest $d differs from n1's $d1"
    d1="${d1:-$d}"
  done
  echo "| $label | writes acknowledged / failed | $n_acked / $n_failed |"
  echo "| $label | acknowledged writes lost, per member | ${lost_all% / } |"
  echo "| $label | catalog digests (every member, applied index $(applied_of 1)) | $(for m in 1 2 3; do printf '%s ' "$(digest "$m")"; done)|"
}

echo
echo "| scenario | what | value |"
echo "| --- | --- | --- |"

# ---- a: the leader cut off ------------------------------------------------------------------------
scenario_a() {
  writers_start a
  sleep 2
  local old t0 f1 f2
  old=$(await_leader) || { fail "a: no leader"; return; }
  f1=$(( old % 3 + 1 )); f2=$(( f1 % 3 + 1 ))
  t0=$(date +%s%N)
  link_down "$old"
  # a write to the old leader, from inside its namespace: must fail within its deadline
  ns "$old" curl -s -m 10 -w ' %{http_code} %{time_total}' -X PUT \
    -H 'Content-Type: application/json' -d '{"address":"10.99.0.10","ports":{"http":80}}' \
    "http://$NET.$old:$HTTP_PORT/v1/services/pa/instances/old-leader-1" >"$work/a-w1" 2>&1 &
  local w1pid=$!
  local new; new=$(await_leader "$old" "$f1" "$f2") || { fail "a: no new leader within 60 s"; new=0; }
  local elected=$(( ($(date +%s%N) - t0) / 1000000 ))
  wait "$w1pid" || true
  local w1; w1=$(cat "$work/a-w1")
  sleep 1
  local w2; w2=$(ns "$old" curl -s -m 10 -w ' %{http_code} %{time_total}' -X PUT \
    -H 'Content-Type: application/json' -d '{"address":"10.99.0.10","ports":{"http":80}}' \
    "http://$NET.$old:$HTTP_PORT/v1/services/pa/instances/old-leader-2" || true)
  local hdr; hdr=$(ns "$old" curl -s -m 5 -D - -o /dev/null "http://$NET.$old:$HTTP_PORT/v1/services/pw-0/instances" |
    tr -d '\r' | grep -i '^x-cairn-' | tr '\n' ' ' || true)
  local st; st=$(status "$old" "$old" | jq -c '{role: .cluster.role, leader: .cluster.leader}' 2>/dev/null || true)
  sleep "$ISOLATE_SECONDS"
  local t_heal; t_heal=$(date +%s%N)
  link_up "$old"
  local deadline=$((SECONDS + 60)) rejoined=none target
  target=$(commit_of "$new")
  while (( SECONDS < deadline )); do
    if [[ "$(leader_of "$old")" == "n$new" ]] && (( $(applied_of "$old") >= target )); then
      rejoined=$(( ($(date +%s%N) - t_heal) / 1000000 )); break
    fi
    sleep 0.05
  done
  sleep 1
  writers_stop a
  local pa; pa=$(for m in 1 2 3; do ns c curl -s -m 5 "http://$NET.$m:$HTTP_PORT/v1/services/pa/instances" | jq -r '[.instances[].id] | join(",")'; done | tr '\n' '/')
  echo "| a | leader n$old cut off: the other two elect n$new after | $elected ms |"
  echo "| a | writers: cut → first ack of a write begun after it | $(first_ack_after a "$t0") ms |"
  echo "| a | write to the old leader at once: body, status, seconds | ${w1//|/\\|} |"
  echo "| a | write to the old leader 1 s after the election | ${w2//|/\\|} |"
  echo "| a | old leader's read headers while cut off | $hdr |"
  echo "| a | old leader's status while cut off | $st |"
  echo "| a | healed: old leader follows n$new and applied its commit after | $rejoined ms |"
  echo "| a | the old leader's refused writes on the members (n1/n2/n3) | $pa |"
  [[ "$w1" == *" 503 "* && "$w2" == *" 503 "* ]] || fail "a: a write to the cut-off leader did not fail with 503"
  [[ "$w2" == *"no quorum"* ]] || fail "a: the cut-off leader's 503 does not say no quorum"
  [[ "$hdr" == *"X-Cairn-Known-Leader: false"* || "$hdr" == *"x-cairn-known-leader: false"* ]] ||
    fail "a: the cut-off leader's read does not say Known-Leader false"
  [[ "$rejoined" != none ]] || fail "a: the old leader did not rejoin within 60 s"
  check a
  L=$new
}

# ---- b: a follower cut off under an SDK client ----------------------------------------------------
scenario_b() {
  local f=$(( L % 3 + 1 )); local o=$(( f % 3 + 1 ))
  local regs="$NET.$f:$GRPC_PORT,$NET.$o:$GRPC_PORT,$NET.$L:$GRPC_PORT"
  mkfifo "$work/b-in"
  # shellcheck disable=SC2086
  ip netns exec "$NS-c" java -XX:TieredStopAtLevel=1 -Xmx256m $CLIENT_OPTS -cp "$LOADGEN_JAR" \
    "$(dirname "$self")/PartitionClient.java" "$regs" pb-own pb-watched "$MAX_SECONDS" \
    <"$work/b-in" >"$work/b-client.out" 2>"$work/b-client.err" &
  pid[client]=$!
  exec 7>"$work/b-in"
  local deadline=$((SECONDS + 60))
  until grep -q '^ready' "$work/b-client.out"; do
    (( SECONDS < deadline )) || { fail "b: the SDK client was not ready within 60 s"; return; }
    kill -0 "${pid[client]}" 2>/dev/null || { fail "b: the SDK client exited; see $work/b-client.err"; return; }
    sleep 0.2
  done
  writers_start b
  local own_before; own_before=$(ns c curl -s "http://$NET.$L:$HTTP_PORT/v1/services/pb-own/instances" | jq -c '[.revision, (.instances | length)]')
  # events on the watched service: add e-k, remove e-(k-3); every state recorded
  local k=0 states="$work/b-states"
  : >"$states"
  record() { # the watched service's state after one write: "revision id,id,..."
    ns c curl -s -m 5 "http://$NET.$1:$HTTP_PORT/v1/services/pb-watched/instances" |
      jq -r '"\(.revision) \([.instances[].id] | join(","))"' >>"$states"
  }
  op() { # k: one add and (k > 3) one remove, on the leader's side of the partition
    local target=$1
    ns c curl -s -m 5 -o /dev/null -X PUT -H 'Content-Type: application/json' \
      -d '{"address":"10.99.0.10","ports":{"http":80}}' "http://$NET.$target:$HTTP_PORT/v1/services/pb-watched/instances/e-$(printf %03d "$2")"
    record "$target"
    if (( $2 > 3 )); then
      ns c curl -s -m 5 -o /dev/null -X DELETE "http://$NET.$target:$HTTP_PORT/v1/services/pb-watched/instances/e-$(printf %03d $(( $2 - 3 )))"
      record "$target"
    fi
  }
  for _ in $(seq 10); do k=$((k + 1)); op "$L" "$k"; sleep 0.1; done
  local t0; t0=$(date +%s%N)
  link_down "$f"
  for _ in $(seq 20); do k=$((k + 1)); op "$L" "$k"; sleep 0.2; done
  sleep "$ISOLATE_SECONDS"
  link_up "$f"
  for _ in $(seq 10); do k=$((k + 1)); op "$L" "$k"; sleep 0.1; done
  # the view must reach the members' final state
  local final_state; final_state=$(tail -1 "$states")
  deadline=$((SECONDS + 30))
  until grep -q "^view [0-9]* false ${final_state#* }\$" "$work/b-client.out"; do
    (( SECONDS < deadline )) || break
    sleep 0.2
  done
  sleep 6  # past the client's 5 s TTL: a lost session would have expired by now
  local own_after; own_after=$(ns c curl -s "http://$NET.$L:$HTTP_PORT/v1/services/pb-own/instances" | jq -c '[.revision, (.instances | length)]')
  exec 7>&-
  wait "${pid[client]}" 2>/dev/null || true
  unset "pid[client]"
  writers_stop b
  local last_view; last_view=$(grep '^view' "$work/b-client.out" | tail -1)
  local backwards; backwards=$(awk '$1 == "backwards" { print $2 }' "$work/b-client.out")
  # every view state the client showed must be a state the members went through (no gap: a
  # missed add or remove would show a set the catalog never held)
  local bad=0
  while read -r _ rev stale ids; do
    [[ "$ids" == "-" ]] && ids=""
    if ! grep -q " $ids\$" "$states" && [[ -n "$ids" ]]; then bad=$((bad + 1)); fi
  done < <(grep '^view' "$work/b-client.out")
  local stale_ms; stale_ms=$(grep -c '^view [0-9]* true' "$work/b-client.out" || true)
  # back in time: a view showing a state older than one it showed before (states are unique, ids
  # only grow; revisions alone do not tell, a snapshot carries the global revision, a re-list the
  # service's own)
  local back; back=$(awk 'NR == FNR { if (!($2 in at)) at[$2] = FNR; next }
    $1 == "view" && ($4 in at) { if (at[$4] < last) n++; else last = at[$4] }
    END { print n + 0 }' "$states" "$work/b-client.out")
  echo "| b | follower n$f cut off under an SDK client (session and view on it), $ISOLATE_SECONDS s + the writes | |"
  echo "| b | writers: cut → first ack of a write begun after it | $(first_ack_after b "$t0") ms |"
  echo "| b | the client's instances on the leader: [service revision, count] before / after | $own_before / $own_after |"
  echo "| b | the client's view: last line / members' final state | ${last_view} / $final_state |"
  echo "| b | view states the catalog never held / states older than one shown before / stale updates | $bad / $back / $stale_ms |"
  [[ "$own_before" == "$own_after" ]] || fail "b: the client's instances changed ($own_before -> $own_after)"
  [[ "$last_view" == "view "*" false ${final_state#* }" ]] || fail "b: the view did not reach the final state"
  (( bad == 0 )) || fail "b: the view showed $bad states the catalog never held"
  (( back == 0 )) || fail "b: the view went back to an older state"
  check b
}

# ---- c: a flapping link ---------------------------------------------------------------------------
scenario_c() {
  local f=$(( L % 3 + 1 ))
  local changes_before; changes_before=$(for m in 1 2 3; do ns c curl -s "http://$NET.$m:$HTTP_PORT/metrics" | awk '/^cairn_raft_leader_changes_total/ { print $2 }'; done | tr '\n' ' ')
  writers_start c
  sleep 1
  local t0; t0=$(date +%s%N)
  for _ in $(seq "$FLAPS"); do
    link_down "$f"; sleep "$(awk -v ms="$FLAP_MS" 'BEGIN { print ms / 1000 }')"
    link_up "$f"; sleep "$(awk -v ms="$FLAP_MS" 'BEGIN { print ms / 1000 }')"
    check_time
  done
  sleep 2
  writers_stop c
  local changes_after; changes_after=$(for m in 1 2 3; do ns c curl -s "http://$NET.$m:$HTTP_PORT/metrics" | awk '/^cairn_raft_leader_changes_total/ { print $2 }'; done | tr '\n' ' ')
  local L2; L2=$(await_leader) || L2=0
  echo "| c | follower n$f's link down/up $FLAPS times, $FLAP_MS ms each way | leader n$L before, n$L2 after |"
  echo "| c | leader changes counted per member, before → after | $changes_before → $changes_after |"
  check c
  L=$L2
}

# ---- d: clients on the minority side -------------------------------------------------------------
# direct_link K: a veth between cairnp-c and member K's namespace, routed for K's address only, so
# that the clients reach K when its bridge port is down (K is then cut off from the other members,
# not from the clients); direct_unlink K removes it (traffic goes over the bridge again)
direct_link() {
  direct_unlink "$1"  # one left by a scenario that ended early
  ip link add "d$1" netns "$NS-c" type veth peer name dc netns "$NS-$1"
  ns c ip link set "d$1" up
  ns "$1" ip link set dc up
  ns c ip route add "$NET.$1/32" dev "d$1" src "$NET.10"
  ns "$1" ip route add "$NET.10/32" dev dc src "$NET.$1"
}
direct_unlink() { ns c ip link del "d$1" 2>/dev/null || true; }

# resumed_on N: sessions resumed on member N since it started (its metric)
resumed_on() {
  ns c curl -s -m 2 "http://$NET.$1:$HTTP_PORT/metrics" |
    awk '/^cairn_sessions_opened_total\{resumed="true"\}/ { n = $2 } END { printf "%d", n }'
}

# scenario_d ROLE: member M (the leader, or a follower) cut off from the other two while an SDK
# client has its session on M and WRITERS writers write to M only; the clients reach every member
scenario_d() {
  local role=$1 label="d-$1" m o1 o2
  if [[ "$role" == leader ]]; then m=$L; else m=$(( L % 3 + 1 )); fi
  o1=$(( m % 3 + 1 )); o2=$(( o1 % 3 + 1 ))
  direct_link "$m"
  local regs="$NET.$m:$GRPC_PORT,$NET.$o1:$GRPC_PORT,$NET.$o2:$GRPC_PORT"
  mkfifo "$work/$label-in"
  # shellcheck disable=SC2086
  ip netns exec "$NS-c" java -XX:TieredStopAtLevel=1 -Xmx256m $CLIENT_OPTS -cp "$LOADGEN_JAR" \
    "$(dirname "$self")/PartitionClient.java" "$regs" "pd-own-$role" "pd-watched-$role" "$MAX_SECONDS" \
    <"$work/$label-in" >"$work/$label-client.out" 2>"$work/$label-client.err" &
  pid[client]=$!
  exec 7>"$work/$label-in"
  local deadline=$((SECONDS + 60))
  until grep -q '^ready' "$work/$label-client.out"; do
    (( SECONDS < deadline )) || { fail "$label: the SDK client was not ready within 60 s"; return; }
    kill -0 "${pid[client]}" 2>/dev/null || { fail "$label: the SDK client exited; see $work/$label-client.err"; return; }
    sleep 0.2
  done
  writers_start "$label" "$m"
  sleep 2
  local own_before; own_before=$(ns c curl -s "http://$NET.$o1:$HTTP_PORT/v1/services/pd-own-$role/instances" | jq -c '[.revision, (.instances | length)]')
  local resumed_before=$(( $(resumed_on "$o1") + $(resumed_on "$o2") ))
  local t0; t0=$(date +%s%N)
  link_down "$m"
  # a write to M at once, from the clients' side: it must fail within its deadline
  ns c curl -s -m 10 -w ' %{http_code} %{time_total}' -X PUT \
    -H 'Content-Type: application/json' -d '{"address":"10.99.0.10","ports":{"http":80}}' \
    "http://$NET.$m:$HTTP_PORT/v1/services/pd/instances/$label-1" >"$work/$label-w1" 2>&1 &
  local w1pid=$!
  local new; new=$(await_leader "$m" "$o1" "$o2") || { fail "$label: no leader on the majority within 60 s"; new=0; }
  local elected=$(( ($(date +%s%N) - t0) / 1000000 ))
  # the client's session resumed on a member of the majority
  local moved=none
  deadline=$((SECONDS + 30))
  while (( SECONDS < deadline )); do
    if (( $(resumed_on "$o1") + $(resumed_on "$o2") > resumed_before )); then
      moved=$(( ($(date +%s%N) - t0) / 1000000 )); break
    fi
    sleep 0.05
  done
  wait "$w1pid" || true
  local w1; w1=$(cat "$work/$label-w1")
  local w2; w2=$(ns c curl -s -m 10 -w ' %{http_code} %{time_total}' -X PUT \
    -H 'Content-Type: application/json' -d '{"address":"10.99.0.10","ports":{"http":80}}' \
    "http://$NET.$m:$HTTP_PORT/v1/services/pd/instances/$label-2" || true)
  local hdr; hdr=$(ns c curl -s -m 5 -D - -o /dev/null "http://$NET.$m:$HTTP_PORT/v1/services/pw-0/instances" |
    tr -d '\r' | grep -i '^x-cairn-' | tr '\n' ' ' || true)
  local st; st=$(status "$m" | jq -c '{role: .cluster.role, leader: .cluster.leader}' 2>/dev/null || true)
  local since_cut=$(( ($(date +%s%N) - t0) / 1000000000 ))
  (( since_cut >= ISOLATE_SECONDS )) || sleep $(( ISOLATE_SECONDS - since_cut ))
  local own_mid; own_mid=$(ns c curl -s "http://$NET.$o1:$HTTP_PORT/v1/services/pd-own-$role/instances" | jq -c '[.revision, (.instances | length)]')
  local t_heal; t_heal=$(date +%s%N)
  link_up "$m"
  local rejoined=none target
  target=$(commit_of "$new")
  deadline=$((SECONDS + 60))
  while (( SECONDS < deadline )); do
    if [[ "$(leader_of "$m")" == "n$new" ]] && (( $(applied_of "$m") >= target )); then
      rejoined=$(( ($(date +%s%N) - t_heal) / 1000000 )); break
    fi
    sleep 0.05
  done
  sleep 6  # past the client's 5 s TTL: a session lost meanwhile would have expired by now
  local own_after; own_after=$(ns c curl -s "http://$NET.$o1:$HTTP_PORT/v1/services/pd-own-$role/instances" | jq -c '[.revision, (.instances | length)]')
  exec 7>&-
  wait "${pid[client]}" 2>/dev/null || true
  unset "pid[client]"
  writers_stop "$label"
  direct_unlink "$m"
  # the pinned writers: acknowledged by M while it was cut off; refused (status), slowest refusal
  local pins; pins=$(cat "$work/$label"/writes-pin-*.log)
  local acked_cut; acked_cut=$(awk -v a="$t0" -v b="$t_heal" '$2 > a + 1e8 && $2 < b && ($5 == 200 || $5 == 201)' <<<"$pins" | wc -l)
  local refused; refused=$(awk -v a="$t0" -v b="$t_heal" '$2 > a && $1 < b && $5 != 200 && $5 != 201 { n[$5]++ } END { for (c in n) printf "%s×%d ", c, n[c] }' <<<"$pins")
  local slowest; slowest=$(awk -v a="$t0" -v b="$t_heal" '$2 > a && $1 < b && $5 != 200 && $5 != 201 { d = ($2 - $1) / 1e6; if (d > s) s = d } END { printf "%d", s }' <<<"$pins")
  local not503; not503=$(awk -v a="$t0" -v b="$t_heal" '$1 > a && $2 < b && $5 != 503' <<<"$pins" | wc -l)
  local pd; pd=$(for k in 1 2 3; do ns c curl -s -m 5 "http://$NET.$k:$HTTP_PORT/v1/services/pd/instances" |
    jq -r --arg l "$label-" '[.instances[].id | select(startswith($l))] | join(",")'; done | tr '\n' '/')
  local lost; lost=$(grep -c 'lost; opened' "$work/$label-client.err" || true)
  echo "| $label | $role n$m cut off from the other members (not from the clients) for $ISOLATE_SECONDS s: the majority's leader n$new after | $elected ms |"
  echo "| $label | writers on the majority: cut → first ack of a write begun after it | $(first_ack_after "$label" "$t0") ms |"
  echo "| $label | writes to n$m while cut off: acknowledged / refused (status×count) / slowest refusal | $acked_cut / ${refused% } / $slowest ms |"
  echo "| $label | a write to n$m at once: body, status, seconds | ${w1//|/\\|} |"
  echo "| $label | a write to n$m after the majority's election | ${w2//|/\\|} |"
  echo "| $label | n$m's read headers while cut off | $hdr |"
  echo "| $label | n$m's status while cut off | $st |"
  echo "| $label | the SDK client's session resumed on the majority: cut → resume | $moved ms |"
  echo "| $label | the client's instances: [service revision, count] before / cut off / healed + 6 s | $own_before / $own_mid / $own_after |"
  echo "| $label | healed: n$m follows n$new and applied its commit after | $rejoined ms |"
  echo "| $label | the refused writes on the members (n1/n2/n3) | $pd |"
  (( acked_cut == 0 )) || fail "$label: n$m acknowledged $acked_cut writes while cut off"
  (( not503 == 0 )) || fail "$label: $not503 writes to n$m while cut off ended otherwise than 503"
  [[ "$w1" == *" 503 "* && "$w2" == *" 503 "* ]] || fail "$label: a write to n$m did not fail with 503"
  [[ "$w1" == *"no quorum"* && "$w2" == *"no quorum"* ]] || fail "$label: n$m's 503 does not say no quorum"
  [[ "$hdr" == *"X-Cairn-Known-Leader: false"* || "$hdr" == *"x-cairn-known-leader: false"* ]] ||
    fail "$label: n$m's read does not say Known-Leader false"
  [[ "$moved" != none ]] && (( moved < 5000 )) || fail "$label: the client's session did not resume on the majority within its 5 s TTL ($moved ms)"
  (( lost == 0 )) || fail "$label: the client lost its session and registered its instances again"
  [[ "$own_before" == "$own_mid" && "$own_before" == "$own_after" ]] ||
    fail "$label: the client's instances changed ($own_before -> $own_mid -> $own_after)"
  [[ "$rejoined" != none ]] || fail "$label: n$m did not rejoin within 60 s"
  check "$label"
  L=$new
}

scenarios=("${@:-a b c}")
[[ $# -gt 0 ]] || scenarios=(a b c d)
for s in "${scenarios[@]}"; do
  check_time
  case "$s" in
    a) scenario_a ;;
    b) scenario_b ;;
    c) scenario_c ;;
    d) scenario_d follower; check_time; scenario_d leader ;;
    *) echo "partitions: unknown scenario $s (expected: a, b, c, d)" >&2; exit 2 ;;
  esac
done
echo
echo "partitions: $failures failed checks, $((SECONDS - started)) s" >&2
(( failures == 0 ))
