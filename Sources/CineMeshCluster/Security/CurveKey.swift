import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// A CURVE key (Curve25519, RFC 26/CurveZMQ) in its Z85 text form: 40 characters for 32 bytes,
/// as key files and allow-lists hold it. A public key is safe to show anywhere (logs show its
/// `fingerprint`); a secret key never reaches a log: `description` shows no key at all.
public struct CurveKey: Hashable, Sendable, CustomStringConvertible {
    /// The 40 Z85 characters.
    public let z85: String

    /// Accepts exactly 40 characters of the Z85 alphabet that decode to 32 bytes.
    public init?(z85 text: String) {
        guard text.utf8.count == 40, text.utf8.allSatisfy({ Self.alphabet.contains($0) }) else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&bytes, text) != nil else { return nil }
        z85 = text
    }

    /// The key of 32 raw bytes (as a ZAP request carries a client's public key).
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&text, bytes, 32) != nil else { return nil }
        z85 = String(cString: text)
    }

    /// A short form for log lines: the first 12 characters (a public key's fingerprint).
    public var fingerprint: String { String(z85.prefix(12)) }

    public var description: String { "<CURVE key>" }

    private static let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
}

/// A CURVE key pair: the public half to hand out, the secret half kept in a file only its owner
/// can read.
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: CurveKey
    public let secretKey: CurveKey

    /// A fresh pair from libzmq (libsodium's random source). Throws when libzmq lacks CURVE.
    public static func generate() throws -> CurveKeyPair {
        guard zmq_has("curve") != 0 else { throw ZMQError("zmq_curve_keypair (this libzmq was built without CURVE)", code: ENOTSUP) }
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicText, &secretText) == 0,
              let p = CurveKey(z85: String(cString: publicText)), let s = CurveKey(z85: String(cString: secretText)) else {
            throw ZMQError("zmq_curve_keypair")
        }
        return CurveKeyPair(publicKey: p, secretKey: s)
    }

    /// The pair whose secret half is `secretKey` (the public half is derived from it).
    public init(secretKey: CurveKey) throws {
        var publicText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicText, secretKey.z85) == 0, let p = CurveKey(z85: String(cString: publicText)) else {
            throw ZMQError("zmq_curve_public")
        }
        self.init(publicKey: p, secretKey: secretKey)
    }

    private init(publicKey: CurveKey, secretKey: CurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}
