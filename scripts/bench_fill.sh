#!/usr/bin/env bash
# The batch fill wait's default against none (--batch-fill-wait 0), side by side
# (scripts/bench_ab.sh): single sentences from 4 to 32 closed-loop clients, client batches, and
# open loops of single sentences (300 a second) and of a tenth long texts (20 a second).
#
#   scripts/bench_fill.sh                # PAIRS=3; fp32, and int8 when scripts/bench.sh made it
#
# Needs `make setup` and ../shared/data; about 3 minutes a pair and model.
exec "$(dirname "$0")/bench_ab.sh" fill "--batch-fill-wait 0" \
  "c1|-c 1 -d 6s -warmup 1s" \
  "c4|-c 4 -d 8s -warmup 2s" \
  "c8|-c 8 -d 8s -warmup 2s" \
  "c16|-c 16 -d 8s -warmup 2s" \
  "c32|-c 32 -d 8s -warmup 2s" \
  "batch32|-c 4 -batch 32 -d 8s -warmup 2s" \
  "open300|-rate 300 -c 64 -d 10s -warmup 2s" \
  "open20long|-rate 20 -c 64 -long 0.1 -d 15s -warmup 2s"
