#!/usr/bin/env bash
# Rebuilds the one native helper shipped in the jar (see mkl_intel_cpu_true.c): x86-64 Linux, no libc needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
out=../resources/linux-x86-64/libsoftprompt_mkl_intel_cpu.so   # JNA's resource path for linux-amd64
mkdir -p "$(dirname "$out")"
gcc -shared -fPIC -O2 -nostdlib -s -Wl,--build-id=none -Wl,-z,noexecstack -o "$out" mkl_intel_cpu_true.c
echo "built $out ($(stat -c %s "$out") bytes)"
