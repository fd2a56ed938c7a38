#ifndef CINEMESH_BUILD_INFO_H
#define CINEMESH_BUILD_INFO_H

/// The git commit this binary was built from (hex, "-dirty" when the tree had changes), or
/// "unknown": set by Package.swift from $CINEMESH_COMMIT at build time.
const char *cinemesh_build_commit(void);

#endif
