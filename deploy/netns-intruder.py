#!/usr/bin/env python3
"""The intruder of deploy/netns-harness.sh: another ZeroMQ implementation (pyzmq) that tries to get
into a CURVE coordinator without a key it allows. Each attempt sends READY (register as a worker),
SUBMIT (a job) and FETCH (a shard's bytes) in CineMesh's framing (docs/PROTOCOL.md section 3), and
must get nothing back: the handshake fails, so not one frame reaches the coordinator's code.

  plain     plain TCP (no CURVE) against both endpoints
  stranger  CURVE with the coordinator's real public key, but a client key nobody allowed
  garbage   raw bytes on a TCP socket, as a scanner would send

Exits 0 when every attempt got no answer, 1 (naming it) when any got one.
"""
import argparse
import json
import socket
import sys
import time

import zmq

HEADER = b"CMSH\x02"
READY, FETCH, SUBMIT = 0x01, 0x05, 0x20


def message(command, body):
    return [HEADER + bytes([command]), json.dumps(body).encode()]


def attempts(shard):
    ready = {"workerId": "intruder", "host": "intruder", "pid": 1, "capacity": {"cores": 64, "memoryBytes": 1 << 40, "diskFreeBytes": 1 << 40},
             "cached": []}
    return [("READY", "7700", message(READY, ready)),
            ("FETCH of a shard", "7700", message(FETCH, {"xxh64": shard, "offset": 0, "length": 1 << 20})),
            ("SUBMIT", "7701", message(SUBMIT, {"type": "stats", "dataset": "gen", "parameters": {}})),
            ("FETCH of a shard on the clients endpoint", "7701", message(FETCH, {"xxh64": shard, "offset": 0, "length": 1 << 20}))]


def try_zmq(context, host, shard, curve_server_key=None):
    answered = []
    for name, port, frames in attempts(shard):
        s = context.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        if curve_server_key:
            public, secret = zmq.curve_keypair()
            s.curve_serverkey = curve_server_key
            s.curve_publickey = public
            s.curve_secretkey = secret
        s.connect(f"tcp://{host}:{port}")
        s.send_multipart(frames)
        if s.poll(2000):
            answered.append(f"{name}: {s.recv_multipart()!r}")
        s.close()
    return answered


def try_garbage(host):
    answered = []
    for port in (7700, 7701):
        with socket.create_connection((host, port), timeout=3) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)) * 4)
            s.settimeout(2)
            try:
                data = s.recv(4096)
            except (socket.timeout, ConnectionResetError):
                data = b""
            # A ZMTP greeting (the first 10 bytes libzmq sends on any connection) is not an answer;
            # anything CineMesh would say starts with its header.
            if HEADER in data:
                answered.append(f"garbage on {port}: {data[:64]!r}")
    return answered


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--coordinator", required=True)
    p.add_argument("--server-key", required=True, help="the coordinator's public key file (coordinator.key)")
    p.add_argument("--shard", required=True, help="a shard's xxh64")
    a = p.parse_args()
    key = next(line.split('"')[1] for line in open(a.server_key) if line.startswith("public_key"))
    context = zmq.Context()
    started = time.time()
    answered = (try_zmq(context, a.coordinator, a.shard)
                + try_zmq(context, a.coordinator, a.shard, key.encode())
                + try_garbage(a.coordinator))
    context.destroy(linger=0)
    for line in answered:
        print("ANSWERED:", line, file=sys.stderr)
    print(f"intruder: 4 plain-TCP, 4 unallowed-CURVE and 2 raw-garbage attempts, {len(answered)} answered, {time.time() - started:.1f} s")
    return 1 if answered else 0


if __name__ == "__main__":
    sys.exit(main())
