/// Typed loops for the operators that run on every row: arithmetic, comparisons and logic.
enum VectorMath {
    /// Values as Int64 when the vector is integer (after decoding), with validity.
    static func ints(_ v: Vector) -> ([Int64], [Bool]?)? {
        if case .integer(let x, let valid) = v.decoded() { return (x, valid) }
        return nil
    }

    /// Values as Double when the vector is numeric (after decoding), with validity.
    static func doubles(_ v: Vector) -> ([Double], [Bool]?)? {
        switch v.decoded() {
        case .double(let x, let valid): return (x, valid)
        case .integer(let x, let valid): return (x.map(Double.init), valid)
        default: return nil
        }
    }

    static func bools(_ v: Vector) -> ([Bool], [Bool]?) {
        switch v.decoded() {
        case .boolean(let b, let valid): return (b, valid)
        default: return ([Bool](repeating: false, count: v.count), [Bool](repeating: false, count: v.count))
        }
    }

    static func both(_ a: [Bool]?, _ b: [Bool]?) -> [Bool]? {
        guard let a else { return b }
        guard let b else { return a }
        return zip(a, b).map { $0 && $1 }
    }

    static func negate(_ v: Vector) throws(QueryError) -> Vector {
        if let (x, valid) = ints(v) {
            if x.contains(.min) { throw QueryError("integer overflow in unary minus", at: nil) }
            return .integer(x.map { -$0 }, validity: valid)
        }
        if let (x, valid) = doubles(v) { return .double(x.map { -$0 }, validity: valid) }
        return .null(count: v.count)
    }

    static func not(_ v: Vector) -> Vector {
        let (b, valid) = bools(v)
        return .boolean(b.map { !$0 }, validity: valid)
    }

    /// AND / OR with SQL's three-valued logic.
    static func logic(_ op: BinaryOperator, _ a: Vector, _ b: Vector) -> Vector {
        let (x, xv) = bools(a), (y, yv) = bools(b)
        let n = x.count
        var out = [Bool](repeating: false, count: n)
        var valid = [Bool](repeating: true, count: n)
        var anyNull = false
        for k in 0 ..< n {
            let xk = xv?[k] ?? true, yk = yv?[k] ?? true
            if op == .and {
                if (xk && !x[k]) || (yk && !y[k]) { out[k] = false } else if xk && yk { out[k] = true } else {
                    valid[k] = false
                    anyNull = true
                }
            } else {
                if (xk && x[k]) || (yk && y[k]) { out[k] = true } else if xk && yk { out[k] = false } else {
                    valid[k] = false
                    anyNull = true
                }
            }
        }
        return .boolean(out, validity: anyNull ? valid : nil)
    }

    static func arithmetic(_ op: BinaryOperator, _ a: Vector, _ b: Vector, type: SQLType) throws(QueryError) -> Vector {
        let n = a.count
        if type == .integer, let (x, xv) = ints(a), let (y, yv) = ints(b) {
            var out = [Int64](repeating: 0, count: n)
            var valid = both(xv, yv)
            for k in 0 ..< n where valid?[k] ?? true {
                let r: (Int64, Bool)
                switch op {
                case .add: r = x[k].addingReportingOverflow(y[k])
                case .subtract: r = x[k].subtractingReportingOverflow(y[k])
                case .multiply: r = x[k].multipliedReportingOverflow(by: y[k])
                default:
                    if y[k] == 0 {
                        if valid == nil { valid = [Bool](repeating: true, count: n) }
                        valid![k] = false
                        continue
                    }
                    r = x[k].remainderReportingOverflow(dividingBy: y[k])
                }
                if r.1 { throw QueryError("integer overflow in \(x[k]) \(op.rawValue) \(y[k])", at: nil) }
                out[k] = r.0
            }
            return .integer(out, validity: valid)
        }
        guard let (x, xv) = doubles(a), let (y, yv) = doubles(b) else { return .null(count: n) }
        var out = [Double](repeating: 0, count: n)
        var valid = both(xv, yv)
        switch op {
        case .add: for k in 0 ..< n { out[k] = x[k] + y[k] }
        case .subtract: for k in 0 ..< n { out[k] = x[k] - y[k] }
        case .multiply: for k in 0 ..< n { out[k] = x[k] * y[k] }
        default:
            for k in 0 ..< n {
                if y[k] == 0 {
                    if valid == nil { valid = [Bool](repeating: true, count: n) }
                    valid![k] = false
                } else {
                    out[k] = op == .divide ? x[k] / y[k] : x[k].truncatingRemainder(dividingBy: y[k])
                }
            }
        }
        return .double(out, validity: valid)
    }

    static func compare(_ op: BinaryOperator, _ a: Vector, _ b: Vector) -> Vector {
        let n = a.count
        @inline(__always) func test(_ c: Int) -> Bool {
            switch op {
            case .equal: return c == 0
            case .notEqual: return c != 0
            case .less: return c < 0
            case .lessOrEqual: return c <= 0
            case .greater: return c > 0
            default: return c >= 0
            }
        }
        if let (x, xv) = ints(a), let (y, yv) = ints(b) {
            var out = [Bool](repeating: false, count: n)
            for k in 0 ..< n { out[k] = test(x[k] < y[k] ? -1 : (x[k] > y[k] ? 1 : 0)) }
            return .boolean(out, validity: both(xv, yv))
        }
        if a.type.isNumeric, b.type.isNumeric, a.type != .null, b.type != .null, let (x, xv) = doubles(a), let (y, yv) = doubles(b) {
            var out = [Bool](repeating: false, count: n)
            for k in 0 ..< n { out[k] = test(x[k] < y[k] ? -1 : (x[k] > y[k] ? 1 : 0)) }
            return .boolean(out, validity: both(xv, yv))
        }
        var out = [Bool](repeating: false, count: n)
        var valid = [Bool](repeating: true, count: n)
        var anyNull = false
        for k in 0 ..< n {
            let x = a[k], y = b[k]
            if x.isNull || y.isNull {
                valid[k] = false
                anyNull = true
            } else {
                out[k] = test(Value.order(x, y))
            }
        }
        return .boolean(out, validity: anyNull ? valid : nil)
    }
}
