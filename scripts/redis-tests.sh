#!/usr/bin/env bash
# Run units of Redis 7.0.15's TCL test suite in external mode against Nodis,
# and against a real redis-server as the baseline, then print per unit the
# [ok]/[err]/[exception] counts and the ratio "Nodis passes / redis passes".
#
#   scripts/redis-tests.sh [options] [unit ...]
#
#   --redis-src DIR   a redis checkout at tag 7.0.15 (default /work/redis-src);
#                     it is only read: its tests/ are copied to a work directory
#   --timeout SEC     per-unit time limit (default 300)
#   --no-baseline     skip the redis-server runs
#   --keep            keep the work directory (logs are always kept)
#   --logs DIR        where to write the logs (default: a new /tmp/nodis-redis-tests.* dir)
#   --no-patch        run the harness unmodified (by default the work copy's
#                     external-server setup tolerates a server without FUNCTION)
#   --spawn           let the harness start its own servers (tests/assets/
#                     default.conf; src/redis-server runs Nodis or redis-server)
#                     instead of external mode: units tagged external:skip,
#                     such as unit/maxmemory, then run too
#   --tags "TAGS"     the harness's tag filter instead of the default one, e.g.
#                     "-needs:debug -needs:repl -needs:save" to include the
#                     tests that change maxmemory (needs:config-maxmemory)
#   --tls             run over TLS (the harness's --tls, which needs the tcl-tls
#                     package): certificates from utils/gen-test-certs.sh, and
#                     external servers listening with --port 0 --tls-port
#   units             default: the list in DEFAULT_UNITS below
#
# Each unit gets a fresh server. Needs tclsh, redis-server, redis-cli, node,
# and a built dist/ (npm run build). The TCL suite itself is never part of Nodis.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REDIS_SRC=/work/redis-src
UNIT_TIMEOUT=300
BASELINE=1
KEEP=0
LOGS=""
PATCH=1
SPAWN=0
TLS=0
DEFAULT_UNITS=(unit/type/string unit/type/incr unit/keyspace unit/expire unit/bitops unit/bitfield unit/protocol
  unit/info-command unit/other unit/introspection unit/introspection-2 unit/quit)
TAGS="-needs:debug -needs:repl -needs:config-maxmemory -needs:save"
UNITS=()
# The harness binds its own control port just below --baseport: a random
# base lets several runs share the machine, kept below the kernel's
# ephemeral range (32768+) where client sockets could already hold it.
BASEPORT=$((21000 + (RANDOM % 170) * 64))

while [ $# -gt 0 ]; do
  case "$1" in
    --redis-src) REDIS_SRC="$2"; shift 2 ;;
    --timeout) UNIT_TIMEOUT="$2"; shift 2 ;;
    --no-baseline) BASELINE=0; shift ;;
    --keep) KEEP=1; shift ;;
    --logs) LOGS="$2"; shift 2 ;;
    --no-patch) PATCH=0; shift ;;
    --tags) TAGS="$2"; shift 2 ;;
    --spawn) SPAWN=1; shift ;;
    --tls) TLS=1; shift ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) UNITS+=("$1"); shift ;;
  esac
done
[ ${#UNITS[@]} -eq 0 ] && UNITS=("${DEFAULT_UNITS[@]}")

die() { echo "redis-tests: $*" >&2; exit 1; }
for bin in tclsh redis-server redis-cli node timeout; do
  command -v "$bin" >/dev/null 2>&1 || die "$bin not found (apt-get install -y tcl redis-server redis-tools)"
done
[ -f "$REDIS_SRC/tests/test_helper.tcl" ] || die "$REDIS_SRC is not a redis checkout (no tests/test_helper.tcl)"
[ -f "$ROOT/dist/index.js" ] || die "dist/ is missing: run npm run build"
TAG="$(git -C "$REDIS_SRC" describe --tags 2>/dev/null || echo unknown)"
[ "$TAG" = "7.0.15" ] || echo "redis-tests: warning: $REDIS_SRC is at '$TAG', not 7.0.15" >&2

WORK="$(mktemp -d /tmp/nodis-redis-tests-work.XXXXXX)"
[ -n "$LOGS" ] || LOGS="$(mktemp -d /tmp/nodis-redis-tests.XXXXXX)"
mkdir -p "$LOGS"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
  [ "$KEEP" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The suite runs from a directory holding tests/ and src/ (it execs
# src/redis-cli, src/redis-benchmark and, for argument parsing tests,
# src/redis-server): a copy of tests/ and wrappers around installed binaries.
cp -r "$REDIS_SRC/tests" "$WORK/tests"
rm -rf "$WORK/tests/tmp" && mkdir -p "$WORK/tests/tmp" "$WORK/src"
if [ "$PATCH" = 1 ]; then
  # run_external_server_test() runs `r function flush` before every unit: a
  # server without FUNCTION would turn each unit into one exception.
  sed -i 's/^    r function flush$/    catch {r function flush}/' "$WORK/tests/support/server.tcl"
  grep -q 'catch {r function flush}' "$WORK/tests/support/server.tcl" || die "could not patch tests/support/server.tcl"
fi
for tool in redis-cli redis-benchmark redis-check-aof redis-check-rdb; do
  if command -v "$tool" >/dev/null 2>&1; then ln -s "$(command -v "$tool")" "$WORK/src/$tool"; fi
done

# --tls: the harness's certificates in tests/tls. The DH parameters are the
# ffdhe2048 group rather than a freshly generated 2048-bit safe prime, which
# takes minutes.
LISTEN_TLS=()
CLI_TLS=()
HARNESS_TLS=()
if [ "$TLS" = 1 ]; then
  echo 'package require tls' | tclsh >/dev/null 2>&1 || die "the Tcl tls package is missing (apt-get install -y tcl-tls)"
  (cd "$WORK" && mkdir -p tests/tls && openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out tests/tls/redis.dh &&
    bash "$REDIS_SRC/utils/gen-test-certs.sh" >/dev/null 2>&1) ||
    die "utils/gen-test-certs.sh failed"
  T="$WORK/tests/tls"
  LISTEN_TLS=(--tls-cert-file "$T/redis.crt" --tls-key-file "$T/redis.key" --tls-ca-cert-file "$T/ca.crt")
  CLI_TLS=(--tls --cacert "$T/ca.crt" --cert "$T/client.crt" --key "$T/client.key")
  HARNESS_TLS=(--tls)
fi

# listen_args PORT: the server's listening options (TLS only with --tls).
listen_args() {
  if [ "$TLS" = 1 ]; then echo "--port 0 --tls-port $1"; else echo "--port $1"; fi
}

NODIS_BIN="$ROOT/bin/nodis-server"
if [ -x "$NODIS_BIN" ] && [ -f "$ROOT/dist/server/cli.js" ]; then
  NODIS_CMD=(node "$NODIS_BIN")
else
  NODIS_CMD=()
fi

# src/redis-server runs the server under test.
set_server_wrapper() {
  # Removed first: written through, the link of a --spawn run would
  # overwrite bin/nodis-server itself.
  rm -f "$WORK/src/redis-server"
  if [ "$1" = nodis ] && [ ${#NODIS_CMD[@]} -gt 0 ] && [ "$SPAWN" = 1 ]; then
    # The harness waits for redis-server's " PID: <pid>" logo line, which
    # nodis-server logs once listening (always-show-logo yes). A link, run
    # through its shebang: the pid is the server's, and the process title
    # names src/redis-server, as the harness expects of the program it ran.
    ln -sf "$NODIS_BIN" "$WORK/src/redis-server"
    return
  elif [ "$1" = nodis ] && [ ${#NODIS_CMD[@]} -gt 0 ]; then
    printf '#!/bin/sh\nexec node %q "$@"\n' "$NODIS_BIN" > "$WORK/src/redis-server"
  else
    printf '#!/bin/sh\nexec %q "$@"\n' "$(command -v redis-server)" > "$WORK/src/redis-server"
  fi
  chmod +x "$WORK/src/redis-server"
}

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# start_server KIND PORT LOG: starts it in the background, sets SERVER_PID, waits for PING.
start_server() {
  local kind="$1" port="$2" log="$3" dir="$WORK/data-$kind"
  rm -rf "$dir" && mkdir -p "$dir"
  if [ "$kind" = redis ]; then
    (cd "$dir" && exec redis-server $(listen_args "$port") "${LISTEN_TLS[@]}" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >"$log" 2>&1) &
  elif [ ${#NODIS_CMD[@]} -gt 0 ]; then
    (cd "$dir" && exec "${NODIS_CMD[@]}" $(listen_args "$port") "${LISTEN_TLS[@]}" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >"$log" 2>&1) &
  else
    (cd "$dir" && exec node --input-type=module -e \
      "import('$ROOT/dist/index.js').then((m) => m.startServer({ port: $port, verbose: true }))" >"$log" 2>&1) &
  fi
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if [ "$(redis-cli "${CLI_TLS[@]}" -p "$port" ping 2>/dev/null)" = PONG ]; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "redis-tests: $kind did not start on port $port (see $log)" >&2
  return 1
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -9 "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
  fi
}

# run_unit KIND UNIT -> prints "ok err exc" and leaves the log in $LOGS.
run_unit() {
  local kind="$1" unit="$2" name port log slog rc
  name="$kind-${unit//\//_}"
  log="$LOGS/$name.log"
  slog="$LOGS/$name.server.log"
  port="$(free_port)"
  set_server_wrapper "$kind"
  local target=()
  if [ "$SPAWN" = 1 ]; then
    # The harness starts src/redis-server itself, on ports from --baseport.
    target=(--baseport "$BASEPORT" --portcount 1000)
  else
    if ! start_server "$kind" "$port" "$slog"; then
      echo "0 0 1"
      return
    fi
    target=(--host 127.0.0.1 --port "$port" --baseport "$BASEPORT")
  fi
  (cd "$WORK" && TERM=dumb timeout -k 5 "$UNIT_TIMEOUT" tclsh tests/test_helper.tcl "${target[@]}" "${HARNESS_TLS[@]}" \
    --clients 1 --durable --ignore-encoding --ignore-digest --timeout "$UNIT_TIMEOUT" \
    --single "$unit" --tags "$TAGS" </dev/null >"$log" 2>&1)
  rc=$?
  stop_server
  [ "$rc" = 124 ] && echo "[timeout]: unit did not finish within ${UNIT_TIMEOUT}s" >>"$log"
  local ok err exc plain
  plain="$(sed 's/\x1b\[[0-9;]*m//g' "$log")"
  ok=$(grep -c '^\[ok\]' <<<"$plain")
  err=$(grep -c '^\[err\]' <<<"$plain")
  exc=$(grep -c '^\[exception\]\|^\[timeout\]\|\[TIMEOUT\]' <<<"$plain")
  echo "$ok $err $exc"
}

MODE="external mode"
[ "$SPAWN" = 1 ] && MODE="servers spawned by the harness"
echo "Redis TCL suite ($TAG, $MODE) against Nodis; logs in $LOGS"
[ "$PATCH" = 1 ] && echo "(harness patched: a missing FUNCTION FLUSH is tolerated; --no-patch to disable)"
printf '\n| unit | Nodis ok | err | exc | redis ok | err | exc | Nodis/redis |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
T_NOK=0; T_NERR=0; T_NEXC=0; T_ROK=0; T_RERR=0; T_REXC=0
for unit in "${UNITS[@]}"; do
  read -r nok nerr nexc < <(run_unit nodis "$unit")
  if [ "$BASELINE" = 1 ]; then
    read -r rok rerr rexc < <(run_unit redis "$unit")
  else
    rok=0; rerr=0; rexc=0
  fi
  ratio="-"
  [ "$rok" -gt 0 ] && ratio=$(awk -v a="$nok" -v b="$rok" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %d | %d | %d | %d | %d | %d | %s |\n' "$unit" "$nok" "$nerr" "$nexc" "$rok" "$rerr" "$rexc" "$ratio"
  T_NOK=$((T_NOK + nok)); T_NERR=$((T_NERR + nerr)); T_NEXC=$((T_NEXC + nexc))
  T_ROK=$((T_ROK + rok)); T_RERR=$((T_RERR + rerr)); T_REXC=$((T_REXC + rexc))
done
ratio="-"
[ "$T_ROK" -gt 0 ] && ratio=$(awk -v a="$T_NOK" -v b="$T_ROK" 'BEGIN { printf "%.2f", a / b }')
printf '| **total** | %d | %d | %d | %d | %d | %d | %s |\n' "$T_NOK" "$T_NERR" "$T_NEXC" "$T_ROK" "$T_RERR" "$T_REXC" "$ratio"
echo
echo "Nodis passes / redis passes: $T_NOK / $T_ROK = $ratio"
