// CPrefetch is header-only (include/cinemesh_prefetch.h); SwiftPM needs a source file per target.
#include "cinemesh_prefetch.h"
