# Sourced by bin/ldm4j: chooses the native memory allocator for libtorch's tensors (no output on success).
#
# Tensors of tens of MB are allocated and freed many times per step. glibc's defaults hand blocks over
# 32 MB back to the kernel and page-fault them in again on the next step (bench encode, batch 250:
# 2x slower); keeping them in glibc's heap is fast but fragments it (peak RSS up to 2x the live
# tensors). jemalloc's size classes keep freed memory for reuse without that fragmentation: measured
# on the tiny preset (2 threads) against glibc kept-in-heap, VAE encode 0.78-0.81 -> 0.62 GB peak at
# the same speed, sampling 0.73 -> 0.70 GB.
#
# LDM4J_MALLOC: auto (default: jemalloc if installed, else glibc tuned), jemalloc (required), glibc.
# LDM4J_JEMALLOC_PATHS: where to look for libjemalloc.so.2 (space-separated; the usual Linux paths).
ldm4j_allocator() {
  local mode="${LDM4J_MALLOC:-auto}" lib="" p
  case "$mode" in
    auto|jemalloc|glibc) ;;
    *) echo "ldm4j: error: LDM4J_MALLOC=$mode is not one of auto, jemalloc, glibc" >&2; return 2;;
  esac
  if [[ "$mode" != glibc ]]; then
    for p in ${LDM4J_JEMALLOC_PATHS:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/aarch64-linux-gnu/libjemalloc.so.2 /usr/lib64/libjemalloc.so.2 /usr/lib/libjemalloc.so.2 /usr/local/lib/libjemalloc.so.2}; do
      if [[ -f "$p" ]]; then lib="$p"; break; fi
    done
    if [[ -z "$lib" && "$mode" == jemalloc ]]; then
      echo "ldm4j: error: LDM4J_MALLOC=jemalloc but no libjemalloc.so.2 found; install it (Debian/Ubuntu: apt install libjemalloc2) or set LDM4J_MALLOC=auto" >&2
      return 2
    fi
  fi
  if [[ -n "$lib" ]]; then
    [[ ":${LD_PRELOAD:-}:" == *":$lib:"* ]] || export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
    # never purge freed pages: they are reused by the next step (purging costs the page faults above)
    export MALLOC_CONF="${MALLOC_CONF:-dirty_decay_ms:-1,muzzy_decay_ms:-1}"
    export LDM4J_ALLOCATOR="jemalloc"
  else
    # glibc: keep large blocks in the heap (no mmap, no trim), and keep that heap from fragmenting:
    # one arena (the JVM's threads would each get one) and no per-thread caches of small blocks, so
    # freed blocks merge at once (peak RSS of 10 guided DDIM steps 0.94-1.02 -> 0.71-0.73 GB, UNet
    # step 1.90 -> 1.54 GB, same speed)
    export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-1000000000}"
    export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-1000000000}"
    export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.arena_max=1:glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0}"
    export LDM4J_ALLOCATOR="glibc"
  fi
}
