import CineMeshData
import Foundation

extension AggregateStates {
    /// The aggregate's value for every group. `bayes_avg` without its own prior uses the mean of
    /// its argument over all rows of all groups.
    func finish(_ call: AggregateCall) throws(QueryError) -> Vector {
        let groups = self.groups
        switch self {
        case .count(let c):
            return .integer(c, validity: nil)
        case .sumInteger(let s, let n):
            return .integer(s, validity: n.contains(0) ? n.map { $0 > 0 } : nil)
        case .sumDouble(let s, let n):
            let valid: [Bool]? = n.contains(0) ? n.map { $0 > 0 } : nil
            switch call.function {
            case .sum: return .double(s, validity: valid)
            case .bayesAvg:
                let m = call.parameters[0]
                let prior: Double
                if call.parameters.count > 1 {
                    prior = call.parameters[1]
                } else {
                    var total = 0.0, count: Int64 = 0
                    for g in 0 ..< groups {
                        total += s[g]
                        count += n[g]
                    }
                    prior = count > 0 ? total / Double(count) : 0
                }
                return .double((0 ..< groups).map { (s[$0] + m * prior) / (Double(n[$0]) + m) },
                               validity: m == 0 ? valid : nil)
            default:
                return .double((0 ..< groups).map { n[$0] > 0 ? s[$0] / Double(n[$0]) : 0 }, validity: valid)
            }
        case .moments(let n, _, let m2):
            var out = [Double](repeating: 0, count: groups)
            var valid = [Bool](repeating: true, count: groups)
            let sample = call.function == .varSamp || call.function == .stddevSamp
            let root = call.function == .stddevSamp || call.function == .stddevPop
            for g in 0 ..< groups {
                let d = Double(n[g]) - (sample ? 1 : 0)
                if d <= 0 || n[g] == 0 {
                    valid[g] = false
                    continue
                }
                let v = max(m2[g], 0) / d
                out[g] = root ? v.squareRoot() : v
            }
            return .double(out, validity: valid.allSatisfy { $0 } ? nil : valid)
        case .extreme(let best, _):
            return .from(best, type: call.type)
        case .values(let lists):
            let q = call.function == .median ? 0.5 : call.parameters[0]
            let results: [Value] = lists.map { list in
                guard !list.isEmpty else { return .null }
                let sorted = list.sorted()
                if call.function == .quantileDisc {
                    let index = Swift.max(0, Int((Double(sorted.count) * q).rounded(.up)) - 1)
                    let x = sorted[Swift.min(index, sorted.count - 1)]
                    return call.type == .integer ? .integer(Int64(exactly: x) ?? (x > 0 ? .max : .min)) : .double(x)
                }
                let position = q * Double(sorted.count - 1)
                let lo = Int(position.rounded(.down)), hi = Int(position.rounded(.up))
                return .double(lo == hi ? sorted[lo] : sorted[lo] + (position - Double(lo)) * (sorted[hi] - sorted[lo]))
            }
            return .from(results, type: call.type)
        case .items(let lists):
            let q = call.parameters[0]
            return .from(lists.map { list in
                guard !list.isEmpty else { return .null }
                let sorted = list.sorted { Value.order($0, $1) < 0 }
                return sorted[Swift.min(Swift.max(0, Int((Double(sorted.count) * q).rounded(.up)) - 1), sorted.count - 1)]
            }, type: call.type)
        case .distinct(let lists, _):
            let results: [Value] = try lists.map { (list) throws(QueryError) -> Value in
                switch call.function {
                case .count: return .integer(Int64(list.count))
                case .min: return list.min { Value.order($0, $1) < 0 } ?? .null
                case .max: return list.max { Value.order($0, $1) < 0 } ?? .null
                default:
                    guard !list.isEmpty else { return .null }
                    if call.function == .sum, call.type == .integer {
                        var total: Int64 = 0
                        for v in list {
                            guard case .integer(let i) = v else { continue }
                            let (t, overflow) = total.addingReportingOverflow(i)
                            if overflow { throw QueryError("integer overflow in sum(DISTINCT); cast the argument to DOUBLE", at: nil) }
                            total = t
                        }
                        return .integer(total)
                    }
                    let s = list.reduce(0.0) { $0 + ($1.number ?? 0) }
                    return .double(call.function == .avg ? s / Double(list.count) : s)
                }
            }
            return .from(results, type: call.type)
        case .hll(let sketches):
            return .integer(sketches.map(\.count), validity: nil)
        case .quantileSketch(let sketches):
            let results: [Value] = sketches.map { s in s.quantile(call.parameters[0]).map(Value.double) ?? .null }
            return .from(results, type: .double)
        }
    }
}
