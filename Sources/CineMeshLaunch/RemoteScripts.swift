/// The `sh` scripts `cinemesh cluster` runs on a box, one per step. Each reports on stdout as
/// `key=value` lines (`SSH.Output.fields`) and says what went wrong on stderr with a non-zero exit.
/// Every value from the hosts file goes in through `RemoteScripts.quote`; files are written by
/// `write` (a temporary file then `mv`), so a box never holds half a file. The scripts never read a
/// secret key: keys are made on their box and only public halves travel.
public enum RemoteScripts {
    /// Where packages are copied on a box before they are installed.
    public static let stage = "/var/tmp/cinemesh-launch"

    static let preamble = """
        set -eu
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        export PATH
        umask 022

        """

    /// A word for `sh`, in single quotes.
    public static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Writes `text` to `path` through a temporary file; the shell variable `changed` gets `label`
    /// appended when the file was new or different.
    static func write(_ text: String, to path: String, mode: String, label: String) -> String {
        var delimiter = "CINEMESH_END"
        while text.contains(delimiter) { delimiter += "_" }
        let p = quote(path), tmp = quote(path + ".new")
        return """
            cat > \(tmp) <<'\(delimiter)'
            \(text.hasSuffix("\n") ? String(text.dropLast()) : text)
            \(delimiter)
            chmod \(mode) \(tmp)
            if cmp -s \(tmp) \(p); then rm -f \(tmp); else mv -f \(tmp) \(p); changed="$changed \(label)"; fi

            """
    }

    /// Run as the ssh user (no sudo): what the box is, whether systemd runs it, whether sudo works
    /// without a password, and the checksum of a package copied before.
    public static func probe(package: String) -> String {
        let staged = quote("\(stage)/\(package)")
        return preamble + """
            if [ -r /etc/os-release ]; then . /etc/os-release; echo "os=${PRETTY_NAME:-unknown}"; else echo "os=unknown"; fi
            command -v systemctl >/dev/null 2>&1 || { echo "no systemd here (systemctl is not on PATH): cinemesh cluster runs the services as systemd units" >&2; exit 69; }
            echo "systemd=$(systemctl --version | head -n 1)"
            state=$(systemctl is-system-running 2>/dev/null || true)
            case "$state" in offline|unknown|"") echo "systemd is not running this box (systemctl is-system-running: ${state:-no answer})" >&2; exit 69 ;; esac
            if [ "$(id -u)" -ne 0 ]; then sudo -n true 2>/dev/null || { echo "$(id -un) is not root and sudo -n asks for a password: allow it NOPASSWD, or set ssh.user = \\"root\\"" >&2; exit 77; }; fi
            for tool in sha256sum tar cmp; do command -v $tool >/dev/null 2>&1 || { echo "$tool is missing (coreutils, tar, diffutils)" >&2; exit 69; }; done
            mkdir -p \(quote(stage))
            if [ -f \(staged) ]; then echo "staged=$(sha256sum \(staged) | cut -d ' ' -f 1)"; fi
            echo "installed=$(cinemesh version 2>/dev/null | head -n 1 || true)"

            """
    }

    /// Unpacks the copied package (checked against `sha256`), installs the binary, the units and
    /// the `cinemesh` user; libraries the binary lacks come from apt-get when `installDependencies`.
    public static func install(package: String, sha256: String, installDependencies: Bool) -> String {
        let staged = quote("\(stage)/\(package)"), unpacked = quote("\(stage)/unpacked")
        return preamble + """
            changed=""
            echo \(quote(sha256))"  "\(staged) | sha256sum -c --status - || { echo "the package copied to \(stage)/\(package) is not the one sent (sha256 differs): run up again" >&2; exit 65; }
            rm -rf \(unpacked)
            mkdir -p \(unpacked)
            tar -xzf \(staged) -C \(unpacked)
            top=$(find \(unpacked) -mindepth 1 -maxdepth 1 -type d | head -n 1)
            [ -x "$top/bin/cinemesh" ] || { echo "the package holds no bin/cinemesh (deploy/package.sh makes one)" >&2; exit 65; }
            if ! "$top/bin/cinemesh" version >/dev/null 2>&1; then
              if \(installDependencies ? "true" : "false") && command -v apt-get >/dev/null 2>&1; then
                echo "note=installing libzmq5 and libsqlite3-0 with apt-get"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libzmq5 libsqlite3-0 >&2
              fi
              "$top/bin/cinemesh" version >/dev/null 2>&1 || { echo "the binary does not run here: $("$top/bin/cinemesh" version 2>&1 | head -n 1) (it needs Debian's libzmq5 and libsqlite3-0: apt-get install libzmq5 libsqlite3-0)" >&2; exit 69; }
            fi
            if ! cmp -s "$top/bin/cinemesh" /usr/local/bin/cinemesh; then
              mkdir -p /usr/local/bin
              install -m 755 "$top/bin/cinemesh" /usr/local/bin/.cinemesh.new
              mv -f /usr/local/bin/.cinemesh.new /usr/local/bin/cinemesh
              changed="$changed binary"
            fi
            mkdir -p /etc/sysusers.d /etc/systemd/system /etc/cinemesh
            if ! cmp -s "$top/systemd/cinemesh.sysusers" /etc/sysusers.d/cinemesh.conf; then
              install -m 644 "$top/systemd/cinemesh.sysusers" /etc/sysusers.d/cinemesh.conf
              changed="$changed user"
            fi
            systemd-sysusers /etc/sysusers.d/cinemesh.conf
            for unit in "$top"/systemd/*.service "$top"/systemd/*.timer; do
              target=/etc/systemd/system/$(basename "$unit")
              if ! cmp -s "$unit" "$target"; then install -m 644 "$unit" "$target"; changed="$changed units"; fi
            done
            install -m 644 "$top/config/cluster.toml" /etc/cinemesh/cluster.toml.example
            install -d -m 750 -o root -g cinemesh \(quote(ClusterSettings.keysDirectory))
            rm -rf \(unpacked)
            echo "version=$(cinemesh version | head -n 1)"
            echo "changed=$changed"

            """
    }

    /// Makes the box's key pairs that are missing (one per role, and a client key on the
    /// coordinator's box for the commands run there), hands the services' secrets to the
    /// `cinemesh` user, and prints each public key as `key.ROLE=Z85`.
    public static func keys(box: ClusterHosts.Box) -> String {
        let dir = quote(ClusterSettings.keysDirectory)
        var lines = [preamble, "made=\"\""]
        for role in keyRoles(of: box) {
            let secret = quote("\(ClusterSettings.keysDirectory)/\(role).key_secret")
            lines.append("""
                if [ ! -f \(secret) ]; then
                  cinemesh keys generate --role \(role) --out \(dir) --name \(quote(box.name)) >/dev/null
                  made="$made \(role)"
                fi
                """)
            if role != "client" { lines.append("chown cinemesh:cinemesh \(secret)") }
            lines.append("echo \"key.\(role)=$(sed -n 's/^public_key = \"\\(.*\\)\"$/\\1/p' \(quote("\(ClusterSettings.keysDirectory)/\(role).key")))\"")
        }
        lines.append("echo \"made=$made\"\n")
        return lines.joined(separator: "\n")
    }

    /// The key roles a box holds: its services', and a client's on the coordinator's box.
    public static func keyRoles(of box: ClusterHosts.Box) -> [String] {
        box.roles.map(\.keyRole.rawValue) + (box.runs(.coordinator) ? ["client"] : [])
    }

    /// On the coordinator's box: allows each key (`--replace`: a box that made a new key loses the
    /// old one's place). `keys` are (role, Z85, box name).
    public static func allow(_ keys: [(role: String, key: String, name: String)]) -> String {
        let list = quote("\(ClusterSettings.keysDirectory)/allow.list")
        var lines = [preamble]
        for k in keys {
            // `--` before the key: a Z85 key may begin with '-'.
            lines.append("cinemesh keys allow --role \(quote(k.role)) --name \(quote(k.name)) --replace --list \(list) -- \(quote(k.key)) >/dev/null")
        }
        lines.append("chmod 644 \(list)")
        lines.append("echo \"allowed=\(keys.count)\"\n")
        return lines.joined(separator: "\n")
    }

    /// Writes the box's cluster.toml, the coordinator's public key (on the other boxes), and on a
    /// gateway's box its token (made there once) and the address it listens on.
    public static func configure(_ settings: ClusterSettings, coordinatorKey: String) -> String {
        let box = settings.box
        var script = preamble + "changed=\"\"\n"
        script += write(settings.text, to: ClusterSettings.path, mode: "644", label: "config")
        if !box.runs(.coordinator) {
            script += write(coordinatorKey, to: "\(ClusterSettings.keysDirectory)/coordinator.key", mode: "644", label: "coordinator-key")
        }
        if box.runs(.gateway) {
            let token = quote(ClusterSettings.tokenFile)
            script += """
                if [ ! -s \(token) ]; then
                  (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \\n' > \(quote(ClusterSettings.tokenFile + ".new")))
                  mv -f \(quote(ClusterSettings.tokenFile + ".new")) \(token)
                  changed="$changed token"
                fi
                chown cinemesh:cinemesh \(token)
                chmod 600 \(token)
                mkdir -p /etc/systemd/system/cinemesh-gateway.service.d

                """
            script += write("# Written by cinemesh cluster up: the gateway listens on its box's address.\n[Service]\nEnvironment=GATEWAY_HOST=\(box.address)\n",
                            to: "/etc/systemd/system/cinemesh-gateway.service.d/cluster.conf", mode: "644", label: "gateway-host")
        }
        return script + "echo \"changed=$changed\"\n"
    }

    /// Enables and starts the box's units in start order; `restart` restarts those already running
    /// (a new binary, configuration or key). A unit that does not come up fails the step with its
    /// last log lines.
    /// Units of roles the box no longer has are stopped and disabled first.
    public static func start(box: ClusterHosts.Box, roles: [BoxRole], restart: Bool) -> String {
        var lines = [preamble, "systemctl daemon-reload"]
        for role in BoxRole.allCases where !box.runs(role) && roles.contains(role) {
            lines.append("if systemctl is-enabled --quiet \(role.unit) 2>/dev/null; then systemctl disable --now --quiet \(role.unit); echo \"retired.\(role.rawValue)=1\"; fi")
        }
        for role in roles where box.runs(role) {
            lines.append("""
                echo "was.\(role.rawValue)=$(systemctl is-active \(role.unit) || true)"
                systemctl enable --quiet \(role.unit)
                if ! systemctl \(restart ? "restart" : "start") \(role.unit); then
                  echo "\(role.unit) did not start; its last log lines:" >&2
                  journalctl -u \(role.unit) -n 15 --no-pager -o cat >&2 || true
                  exit 1
                fi
                echo "active.\(role.rawValue)=$(systemctl is-active \(role.unit) || true)"
                """)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Stops and disables the box's units for `roles` (in reverse start order). Files stay.
    public static func stop(box: ClusterHosts.Box, roles: [BoxRole]) -> String {
        var lines = [preamble]
        for role in roles.reversed() where box.runs(role) {
            lines.append("""
                if systemctl cat \(role.unit) >/dev/null 2>&1; then systemctl disable --now --quiet \(role.unit); fi
                echo "active.\(role.rawValue)=$(systemctl is-active \(role.unit) || true)"
                """)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The coordinator's list of workers, as JSON on one line (`workers=`), asked on its own box
    /// with its client key.
    public static let workers = preamble + """
        if out=$(cinemesh workers --json --config \(quote(ClusterSettings.path)) 2>&1); then echo "workers=$(printf '%s' "$out" | tr -d '\\n')"; else echo "$out" >&2; exit 1; fi

        """

    /// What `cluster status` shows of a box: its version and, per role, the unit's state
    /// (`unit.ROLE=ActiveState|SubState|NRestarts|since|StatusText`); the coordinator's box adds
    /// its worker list.
    public static func status(box: ClusterHosts.Box) -> String {
        var lines = [preamble,
                     "echo \"version=$(cinemesh version 2>/dev/null | head -n 1 || true)\"",
                     "echo \"protocol=$(cinemesh version 2>/dev/null | sed -n 2p || true)\""]
        for role in box.roles {
            let p = "systemctl show \(role.unit) --value -p"
            lines.append("echo \"unit.\(role.rawValue)=$(\(p) ActiveState)|$(\(p) SubState)|$(\(p) NRestarts)|$(\(p) ActiveEnterTimestamp)|$(\(p) StatusText)\"")
        }
        if box.runs(.coordinator) {
            lines.append("if out=$(cinemesh workers --json --config \(quote(ClusterSettings.path)) 2>&1); then echo \"workers=$(printf '%s' \"$out\" | tr -d '\\n')\"; else echo \"workers-error=$(printf '%s' \"$out\" | tr '\\n' ' ')\"; fi")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
