#!/usr/bin/env bash
# The token budget's default against TEI's 16384, side by side (scripts/bench_ab.sh): long texts,
# mixed client batches, single sentences and an open-loop mix.
#
#   scripts/bench_budget.sh              # PAIRS=3; fp32, and int8 when scripts/bench.sh made it
#
# Needs `make setup` and ../shared/data; about 4 minutes a pair and model.
exec "$(dirname "$0")/bench_ab.sh" budget "--max-batch-tokens 16384" \
  "long|-c 4 -batch 16 -long 1 -d 20s -warmup 5s" \
  "mixed|-c 4 -batch 32 -long 0.2 -d 15s -warmup 5s" \
  "short|-c 16 -d 8s -warmup 2s" \
  "open|-rate 20 -c 64 -long 0.1 -d 20s -warmup 2s"
