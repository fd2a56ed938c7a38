#!/usr/bin/env python3
"""The layering check: fails when a module imports what docs/ARCHITECTURE.md forbids.

Each project module may import only the project modules listed for it below (any system or
third-party module is fine: Foundation, GRDB, Hummingbird, ...). A few files of the executable
have rules of their own: the gateway's command wires serving, never training.

Usage: deploy/check-layers.py [ROOT]   (exit 0: clean; 1: a forbidden import, each printed as
file:line: what is wrong)
       deploy/check-layers.py --self-test  (plants forbidden imports in a scratch tree and fails
                                            unless each one is caught)
"""
import os
import re
import sys
import tempfile

PROJECT = {
    "CZeroMQ", "CPrefetch", "CBuildInfo", "CineMeshData", "CineMeshModel", "CineMeshNumerics", "CineMeshAnalytics",
    "CineMeshStore", "CineMeshCluster", "CineMeshJobs", "CineMeshServing", "CineMeshLaunch", "cinemesh",
}

# module -> the project modules it may import
ALLOWED = {
    "CineMeshData": set(),
    "CineMeshModel": {"CineMeshData"},
    "CineMeshNumerics": {"CineMeshData", "CineMeshModel", "CPrefetch"},
    "CineMeshAnalytics": {"CineMeshData"},
    "CineMeshStore": {"CineMeshData", "CineMeshModel"},
    "CineMeshCluster": {"CZeroMQ", "CineMeshData", "CineMeshStore"},
    "CineMeshJobs": {"CineMeshCluster", "CineMeshData", "CineMeshModel", "CineMeshNumerics", "CineMeshAnalytics", "CineMeshStore"},
    "CineMeshServing": {"CineMeshData", "CineMeshModel", "CineMeshStore"},
    "CineMeshLaunch": {"CineMeshCluster", "CineMeshData"},
    "cinemesh": PROJECT - {"cinemesh", "CPrefetch"},
}

# file (relative to the root) -> project modules it must not import, beyond its module's rule
FILE_FORBIDDEN = {
    "Sources/cinemesh/GatewayCommand.swift": {"CineMeshJobs", "CineMeshNumerics", "CineMeshAnalytics"},
}

IMPORT = re.compile(r"^\s*(?:@\w+\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)")


def check(root):
    problems = []
    sources = os.path.join(root, "Sources")
    for module in sorted(os.listdir(sources)):
        folder = os.path.join(sources, module)
        if not os.path.isdir(folder):
            continue
        if module not in ALLOWED and module not in PROJECT:
            problems.append(f"Sources/{module}: a module the layering rules do not know; add it to deploy/check-layers.py and docs/ARCHITECTURE.md")
            continue
        allowed = ALLOWED.get(module)
        if allowed is None:
            continue
        for directory, _, files in os.walk(folder):
            for name in sorted(files):
                if not name.endswith(".swift"):
                    continue
                path = os.path.join(directory, name)
                relative = os.path.relpath(path, root)
                forbidden_here = FILE_FORBIDDEN.get(relative, set())
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        match = IMPORT.match(line)
                        if not match:
                            continue
                        imported = match.group(1)
                        if imported not in PROJECT or imported == module:
                            continue
                        if imported not in allowed:
                            problems.append(f"{relative}:{number}: {module} must not import {imported} (it may import: {', '.join(sorted(allowed)) or 'no project module'})")
                        elif imported in forbidden_here:
                            problems.append(f"{relative}:{number}: this file must not import {imported}")
    return problems


def self_test():
    """Each planted import must be reported, and a clean tree must pass."""
    planted = [
        ("Sources/CineMeshCluster/Runtime.swift", "import CineMeshNumerics\n", "CineMeshCluster must not import CineMeshNumerics"),
        ("Sources/CineMeshServing/Routes.swift", "@testable import CineMeshJobs\n", "CineMeshServing must not import CineMeshJobs"),
        ("Sources/CineMeshData/Shard.swift", "import struct CineMeshModel.FactorMatrix\n", "CineMeshData must not import CineMeshModel"),
        ("Sources/cinemesh/GatewayCommand.swift", "import CineMeshJobs\n", "this file must not import CineMeshJobs"),
    ]
    with tempfile.TemporaryDirectory() as root:
        for relative, _, _ in planted:
            os.makedirs(os.path.dirname(os.path.join(root, relative)), exist_ok=True)
            with open(os.path.join(root, relative), "w") as f:
                f.write("import Foundation\nimport CineMeshData\n" if "CineMeshData/" not in relative else "import Foundation\n")
        if check(root):
            print("self-test: a clean tree was refused", file=sys.stderr)
            return 1
        for relative, line, expected in planted:
            with open(os.path.join(root, relative), "a") as f:
                f.write(line)
        problems = check(root)
        missed = [expected for _, _, expected in planted if not any(expected in p for p in problems)]
        if missed or len(problems) != len(planted):
            print(f"self-test: missed {missed}; reported {problems}", file=sys.stderr)
            return 1
    print(f"layering self-test: {len(planted)} planted forbidden imports caught")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"layering: {len(problems)} forbidden import(s); the rules are in deploy/check-layers.py and docs/ARCHITECTURE.md", file=sys.stderr)
        return 1
    print("layering: every import follows docs/ARCHITECTURE.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
