#!/usr/bin/env bash
# Rebuilds the native helpers shipped in the jar: x86-64 Linux. See mkl_intel_cpu_true.c and host_cache.c.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
dir=../resources/linux-x86-64   # JNA's resource path for linux-amd64
mkdir -p "$dir"
out=$dir/libsoftprompt_mkl_intel_cpu.so
gcc -shared -fPIC -O2 -nostdlib -s -Wl,--build-id=none -Wl,-z,noexecstack -o "$out" mkl_intel_cpu_true.c
echo "built $out ($(stat -c %s "$out") bytes)"
out=$dir/libsoftprompt_host_cache.so
# Only symbols of glibc 2.2.5 (x86-64's first version) are used, so the library loads on any x86-64 glibc.
gcc -shared -fPIC -O2 -std=c11 -Wall -Wextra -Werror -fno-stack-protector -s -Wl,--build-id=none \
    -Wl,-z,noexecstack -Wl,-z,relro,-z,now -o "$out" host_cache.c
echo "built $out ($(stat -c %s "$out") bytes)"
