#!/bin/sh
# Runs every fuzz target in turn on one core: ./run-all.sh SECONDS (from fuzz/, after
# `RUSTC_BOOTSTRAP=1 cargo fuzz build -O` and ./seed.sh). Logs go to logs/TARGET.log.
set -u
secs=${1:-600}
mkdir -p logs artifacts
for t in bundle ldif csvde powershell_csv powershell_json graph scenario hardmatch_csv cache; do
  mkdir -p artifacts/$t corpus/$t
  start=$(date +%s)
  nice -n 19 ./target/x86_64-unknown-linux-gnu/release/$t corpus/$t \
    -max_total_time=$secs -timeout=10 -artifact_prefix=artifacts/$t/ -print_final_stats=1 \
    > logs/$t.log 2>&1
  rc=$?
  end=$(date +%s)
  echo "$t rc=$rc seconds=$((end-start)) $(grep -E '^Done [0-9]+ runs' logs/$t.log | tail -1)" >> logs/summary.txt
done
