#ifndef CINEMESH_PREFETCH_H
#define CINEMESH_PREFETCH_H

/// Asks the CPU to start loading `bytes` bytes at `address` into its caches (a hint: it never
/// faults and changes no result). Swift has no prefetch of its own; inlined into the caller.
static inline void cinemesh_prefetch(const void *address, long bytes) {
    const char *p = (const char *)address;
    for (long offset = 0; offset < bytes; offset += 64) {
        __builtin_prefetch(p + offset, 0, 3);
    }
}

#endif
