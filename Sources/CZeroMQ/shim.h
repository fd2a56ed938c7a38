#ifndef CINEMESH_CZEROMQ_SHIM_H
#define CINEMESH_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
