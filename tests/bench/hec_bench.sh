#!/usr/bin/env bash
# HEC ingest benchmark: 1000-event HEC requests (~500-byte OCSF authentication events) from wrk
# over loopback -> siemhub's HEC endpoint -> durable journal -> file sink. Prints events/s,
# p50/p99 request (= ack) latency and the hub's peak RSS for each run, then the median of the runs.
#   tests/bench/hec_bench.sh [BUILD_DIR=build] [RUNS=5] [SECONDS=10] [CONNECTIONS=8] [WRK_THREADS=1]
# WARMUP_SECONDS (default 3): wrk runs this long first, unmeasured, so the figures are the steady
# state (the hub's first requests grow its buffers and the journal's first segment).
# HEC_DELAY_MS=N in the environment: each connection pauses N ms between requests (a load below
# the maximum, for the latency at a given rate; see hec_bench.lua). HEC_BENCH_LIMITS=", key: value"
# adds hub `limits` (e.g. ", checkpoint_interval_ms: 60000").
# Needs wrk (apt-get install wrk). Not a test: figures go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
runs=${2:-5}
secs=${3:-10}
conns=${4:-8}
threads=${5:-1}
command -v wrk >/dev/null || { echo "hec_bench: install wrk (apt-get install wrk)" >&2; exit 2; }
export HEC_TOKEN=bench-token-0123456789
port=18188
results=()
p99s=()
for run in $(seq 1 "$runs"); do
  dir=$(mktemp -d /tmp/siemhub-hec-bench.XXXXXX)
  cat >"$dir/hub.yaml" <<YAML
data_dir: $dir/data
log_level: warn
limits: {min_free_disk_bytes: 0${HEC_BENCH_LIMITS:-}}
ingest:
  listen: 127.0.0.1:$port
  tokens: [{name: bench, token: "\${env:HEC_TOKEN}"}]
connectors:
  out:
    plugin: file
    config: {path: $dir/out.ndjson}
routes:
  - from: [ingest]
    to: [out]
YAML
  build/bin/siemhub run -c "$dir/hub.yaml" --summary-every 0 2>"$dir/hub.log" &
  pid=$!
  for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
  warm=${WARMUP_SECONDS:-3}
  if [ "$warm" -gt 0 ]; then
    wrk -t"$threads" -c"$conns" -d"${warm}s" -s tests/bench/hec_bench.lua \
      "http://127.0.0.1:$port/services/collector/event" >/dev/null
  fi
  out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s tests/bench/hec_bench.lua \
        "http://127.0.0.1:$port/services/collector/event" | grep '^RESULT')
  rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  kill -INT "$pid"; wait "$pid" || true
  req=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$out")
  dur=$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$out")
  eps=$(( req * 1000 * 1000000 / dur ))
  delivered=$(wc -l <"$dir/out.ndjson")
  echo "run $run: $eps events/s, $(sed -E 's/.*(p50_ms=[0-9.]+ p99_ms=[0-9.]+ non2xx=[0-9]+ socket_errors=[0-9]+).*/\1/' <<<"$out"), peak RSS $((rss_kb / 1024)) MiB, $delivered events in the sink"
  results+=("$eps")
  p99s+=("$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$out")")
  rm -rf "$dir"
  port=$((port + 1))
done
median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
median_p99=$(printf '%s\n' "${p99s[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median of $runs runs: $median events/s, p99 $median_p99 ms (wrk -t$threads -c$conns -d${secs}s after ${WARMUP_SECONDS:-3}s of warm-up, 1000 events per request)"
