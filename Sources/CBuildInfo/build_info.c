#include "cinemesh_build_info.h"

// CINEMESH_COMMIT comes from Package.swift's cSettings, a string literal with its quotes.
const char *cinemesh_build_commit(void) {
    return CINEMESH_COMMIT;
}
