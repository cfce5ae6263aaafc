#!/usr/bin/env bash
# X12 benchmark: crossdock against node-x12 1.7.1 on the same generated ~50 MB file of 850s, in
# the same run. Usage: bench/x12/run.sh [BUILD_DIR]   (default: build/release, the release preset)
#
# 1. generates BUILD_DIR/bench-data/x12_850_50mb.x12 (deterministic) unless it exists;
# 2. installs node-x12@1.7.1 into build/bench-node unless it is there (never committed);
# 3. runs the crossdock Google Benchmarks (file in memory) and the streaming reader from disk
#    (peak RSS), then node-x12's segment stream and whole-document parse;
# 4. prints throughput, the ratios and peak resident memory.
# Steps 3-4 run ROUNDS times (default 3), one after the other: node-x12's parse rate moves by up
# to 1.7x with the machine's load (its garbage collector runs on the other core), so every round
# reports its own ratios and the summary gives the median of the rounds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build/release}
bin=$build/bench/x12/bench_x12
data_dir=$build/bench-data
data=$data_dir/x12_850_50mb.x12
node_prefix=$repo/build/bench-node

[ -x "$bin" ] || { echo "missing $bin: build the bench_x12 target first" >&2; exit 2; }
command -v node >/dev/null || { echo "node is needed for the node-x12 comparison" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed to read the results" >&2; exit 2; }
mkdir -p "$data_dir"
[ -f "$data" ] || "$bin" --generate "$data" 50
if [ ! -f "$node_prefix/node_modules/node-x12/package.json" ]; then
  npm install --prefix "$node_prefix" node-x12@1.7.1 --no-audit --no-fund --silent
fi

echo "== machine: $(nproc) cores, $(uname -sr), $(node --version), $(g++ --version | head -1)"
echo "== file: $data ($(stat -c %s "$data") bytes)"
rounds=${ROUNDS:-3}
bytes=$(stat -c %s "$data")
summary=$data_dir/rounds.tsv
: > "$summary"

for round in $(seq "$rounds"); do
  echo "== round $round of $rounds: crossdock, Google Benchmark, file in memory"
  X12_BENCH_FILE=$data "$bin" --benchmark_out="$data_dir/crossdock.json" \
    --benchmark_out_format=json --benchmark_counters_tabular=true
  echo "== round $round: crossdock streaming from disk, bounded memory (one process each)"
  "$bin" --rss "$data" | tee "$data_dir/crossdock-stream.json"
  "$bin" --rss "$data" --validate | tee "$data_dir/crossdock-stream-validate.json"
  echo "== round $round: node-x12 1.7.1 (one process each)"
  node --max-old-space-size=16384 "$here/node_bench.js" "$node_prefix" "$data" stream \
    | tee "$data_dir/node-stream.json"
  node --max-old-space-size=16384 "$here/node_bench.js" "$node_prefix" "$data" parse \
    | tee "$data_dir/node-parse.json"

  # Google Benchmark rates use CPU time; on a shared machine the wall clock is the conservative
  # figure, so both are derived here from the JSON (real_time / cpu_time in milliseconds).
  mbps() {  # $1 benchmark name prefix, $2 real_time or cpu_time
    jq -r --arg n "$1" --arg t "$2" --argjson b "$bytes" \
      '.benchmarks[] | select(.name | startswith($n)) | $b / (.[$t] / 1000) / 1e6' \
      "$data_dir/crossdock.json" | head -1
  }
  read_doc=$(mbps BM_ReadDocument real_time)
  read_stream=$(mbps BM_StreamSegments real_time)
  read_stream_cpu=$(mbps BM_StreamSegments cpu_time)
  validate=$(mbps BM_StreamValidate850 real_time)
  validate_cpu=$(mbps BM_StreamValidate850 cpu_time)
  doc_validate=$(mbps BM_DocumentValidate850 real_time)
  node_stream=$(jq -r .mb_per_s "$data_dir/node-stream.json")
  node_parse=$(jq -r .mb_per_s "$data_dir/node-parse.json")
  rss_stream=$(jq -r .max_rss_kb "$data_dir/crossdock-stream.json")
  rss_validate=$(jq -r .max_rss_kb "$data_dir/crossdock-stream-validate.json")
  rss_node_stream=$(jq -r .max_rss_kb "$data_dir/node-stream.json")
  rss_node_parse=$(jq -r .max_rss_kb "$data_dir/node-parse.json")

  echo
  echo "== round $round summary (MB = 10^6 bytes; wall clock, CPU time in brackets; load: $(cut -d' ' -f1-3 /proc/loadavg))"
  awk -v rd="$read_doc" -v rs="$read_stream" -v rsc="$read_stream_cpu" -v v="$validate" \
      -v vc="$validate_cpu" -v dv="$doc_validate" -v ns="$node_stream" -v np="$node_parse" \
      -v r1="$rss_stream" -v r2="$rss_validate" -v r3="$rss_node_stream" -v r4="$rss_node_parse" 'BEGIN {
    printf "crossdock read to segments+elements (stream):   %8.1f MB/s [%.1f]  goal >= 1000\n", rs, rsc
    printf "crossdock stream + full 850 validation:         %8.1f MB/s [%.1f]  goal >= 300\n", v, vc
    printf "crossdock read, whole document in memory:       %8.1f MB/s\n", rd
    printf "crossdock document + full 850 validation:       %8.1f MB/s\n", dv
    printf "node-x12 segment stream:                        %8.2f MB/s\n", ns
    printf "node-x12 whole-document parse:                  %8.2f MB/s\n", np
    printf "ratio stream read / node-x12 stream:            %8.1fx  goal >= 8\n", rs / ns
    printf "ratio stream+validation / node-x12 parse:       %8.1fx  goal >= 60\n", v / np
    printf "peak RSS crossdock stream (50 MB file):         %8.1f MB   goal < 64\n", r1 / 1024
    printf "peak RSS crossdock stream + validation:         %8.1f MB   goal < 64\n", r2 / 1024
    printf "peak RSS node-x12 stream / parse:               %8.1f / %.1f MB\n", r3 / 1024, r4 / 1024
  }'
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$read_stream" "$validate" "$node_stream" "$node_parse" \
    "$rss_stream" "$rss_validate" "$doc_validate" >> "$summary"
  if [ -n "${RESULTS_JSON:-}" ]; then
    jq -cn --argjson round "$round" --argjson rs "$read_stream" --argjson v "$validate" \
      --argjson ns "$node_stream" --argjson np "$node_parse" --argjson r1 "$rss_stream" \
      --argjson r2 "$rss_validate" \
      '{suite:"x12", round:$round, stream_mb_s:$rs, validate_mb_s:$v, node_stream_mb_s:$ns,
        node_parse_mb_s:$np, ratio_stream:($rs/$ns), ratio_validate:($v/$np),
        rss_stream_kb:$r1, rss_validate_kb:$r2}' >> "$RESULTS_JSON"
  fi
done

echo
echo "== summary over $rounds round(s): median (lowest-highest) of each round's figures"
awk -F'\t' '
  function med(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function show(label, a, n, fmt, goal,   lo, hi, i) {
    lo = a[1]; hi = a[1]
    for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
    printf "%-48s " fmt " (" fmt "-" fmt ")  %s\n", label, med(a, n), lo, hi, goal
  }
  { n++; rs[n] = $1; v[n] = $2; ns[n] = $3; np[n] = $4; q1[n] = $1 / $3; q2[n] = $2 / $4
    m1[n] = $5 / 1024; m2[n] = $6 / 1024 }
  END {
    show("crossdock stream read, MB/s", rs, n, "%.1f", "goal >= 1000")
    show("crossdock stream + full 850 validation, MB/s", v, n, "%.1f", "goal >= 300")
    show("node-x12 segment stream, MB/s", ns, n, "%.2f", "")
    show("node-x12 whole-document parse, MB/s", np, n, "%.2f", "")
    show("ratio stream read / node-x12 stream", q1, n, "%.1fx", "goal >= 8")
    show("ratio stream+validation / node-x12 parse", q2, n, "%.1fx", "goal >= 60")
    show("peak RSS crossdock stream, MB", m1, n, "%.1f", "goal < 64")
    show("peak RSS crossdock stream + validation, MB", m2, n, "%.1f", "goal < 64")
  }' "$summary"
