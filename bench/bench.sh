#!/usr/bin/env bash
# make bench: see bench/bench.py.  Usage: bench.sh BUILD_DIR [SECTION...]
set -eu
cd "$(dirname "$0")/.."
exec python3 bench/bench.py "$@"
