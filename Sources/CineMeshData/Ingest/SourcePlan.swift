/// Which files an ingest reads and what each holds, decided from names, then content, then flags.
struct SourcePlan {
    struct Input {
        var path: String
        var role: SourceRole
    }

    var format: SourceFormat
    var inputs: [Input]

    func files(_ role: SourceRole) -> [String] { inputs.filter { $0.role == role }.map(\.path) }

    /// Role and format a file name implies, if any.
    static func classify(name: String) -> (SourceRole, SourceFormat)? {
        let n = name.lowercased()
        switch n {
        case "u.data": return (.ratings, .movieLens100K)
        case "u.item": return (.catalog, .movieLens100K)
        case "u.user": return (.users, .movieLens100K)
        case "u.genre": return (.genres, .movieLens100K)
        case "ratings.dat": return (.ratings, .movieLensDat)
        case "movies.dat": return (.catalog, .movieLensDat)
        case "users.dat": return (.users, .movieLensDat)
        case "tags.dat": return (.tags, .movieLensDat)
        case "ratings.csv": return (.ratings, .movieLensCSV)
        case "movies.csv": return (.catalog, .movieLensCSV)
        case "tags.csv": return (.tags, .movieLensCSV)
        case "links.csv": return (.links, .movieLensCSV)
        case "movie_titles.csv", "movie_titles.txt": return (.catalog, .netflixPrize)
        case "netflix_titles.csv": return (.catalog, .netflixTitles)
        default: break
        }
        if n.hasPrefix("u"), n.hasSuffix(".base") || n.hasSuffix(".test") { return (.ratings, .movieLens100K) }
        if n.hasPrefix("combined_data_") && n.hasSuffix(".txt") { return (.ratings, .netflixPrize) }
        if n.hasPrefix("mv_") && n.hasSuffix(".txt") { return (.ratings, .netflixPrize) }
        return nil
    }

    /// Format of a rating file judged from its first line.
    static func sniff(path: String) throws -> SourceFormat {
        let reader = try DelimitedReader(path: path, delimiter: [0x0A, 0x0A], quoting: false, bufferSize: 64 << 10)
        guard try reader.next() == .record else { throw DataError(.emptyFile, file: path, "no lines") }
        let line = String(decoding: reader.field(0), as: UTF8.self)
        let trimmed = line.trimmingSpaces
        let lower = trimmed.lowercased()
        if trimmed.hasSuffix(":"), Int(trimmed.dropLast()) != nil { return .netflixPrize }
        if lower.hasPrefix("show_id,type,title") { return .netflixTitles }
        if lower.replacingOccurrences(" ", "").hasPrefix("userid,movieid,rating") { return .movieLensCSV }
        if trimmed.contains("::") { return .movieLensDat }
        let tabs = trimmed.split(separator: "\t", omittingEmptySubsequences: false)
        if tabs.count == 4 && tabs.allSatisfy({ Int($0) != nil }) { return .movieLens100K }
        return .csv
    }

    /// Resolves the command line's inputs.
    static func resolve(_ paths: [String], format requested: SourceFormat?) throws -> SourcePlan {
        guard !paths.isEmpty else { throw DataError(.usage, "no input: name a file or a directory") }
        var inputs: [Input] = []
        var formats: [SourceFormat] = []
        for path in paths {
            guard FileSystem.exists(path) else { throw DataError(.io, file: path, "cannot read: No such file or directory") }
            if FileSystem.isDirectory(path) {
                let (found, format) = try directoryInputs(path, requested: requested)
                inputs += found
                formats.append(format)
                continue
            }
            if let (role, format) = classify(name: FileSystem.basename(path)) {
                inputs.append(Input(path: path, role: role))
                if role == .ratings || role == .catalog && format == .netflixTitles { formats.append(format) }
            } else {
                let format = try requested ?? sniff(path: path)
                inputs.append(Input(path: path, role: format == .netflixTitles ? .catalog : .ratings))
                formats.append(format)
            }
        }
        let distinct = Set(formats)
        if let requested {
            return SourcePlan(format: requested, inputs: inputs)
        }
        guard distinct.count <= 1 else {
            throw DataError(.usage, "the inputs mix formats (\(distinct.map(\.rawValue).sorted().joined(separator: ", "))); ingest them separately or pass --format")
        }
        guard let format = distinct.first ?? inputs.first.flatMap({ classify(name: FileSystem.basename($0.path))?.1 }) else {
            throw DataError(.usage, "cannot tell the format of the inputs; pass --format")
        }
        return SourcePlan(format: format, inputs: inputs)
    }

    /// The files a dataset directory as published holds.
    private static func directoryInputs(_ dir: String, requested: SourceFormat?) throws -> ([Input], SourceFormat) {
        let names = try FileSystem.list(dir)
        let lower = Set(names.map { $0.lowercased() })
        func pick(_ wanted: [String]) -> [Input] {
            names.compactMap { name in
                guard wanted.contains(name.lowercased()), let (role, _) = classify(name: name) else { return nil }
                return Input(path: FileSystem.join(dir, name), role: role)
            }
        }
        var candidates: [(SourceFormat, [Input])] = []
        if lower.contains("u.data") { candidates.append((.movieLens100K, pick(["u.data", "u.item", "u.user", "u.genre"]))) }
        if lower.contains("ratings.dat") { candidates.append((.movieLensDat, pick(["ratings.dat", "movies.dat", "users.dat", "tags.dat"]))) }
        if lower.contains("ratings.csv") { candidates.append((.movieLensCSV, pick(["ratings.csv", "movies.csv", "tags.csv", "links.csv"]))) }
        var netflix = names.filter { $0.lowercased().hasPrefix("combined_data_") && $0.lowercased().hasSuffix(".txt") }.map { FileSystem.join(dir, $0) }
        if netflix.isEmpty, FileSystem.isDirectory(FileSystem.join(dir, "training_set")) {
            let sub = FileSystem.join(dir, "training_set")
            netflix = try FileSystem.list(sub).filter { $0.hasPrefix("mv_") && $0.hasSuffix(".txt") }.map { FileSystem.join(sub, $0) }
        }
        if !netflix.isEmpty {
            candidates.append((.netflixPrize, netflix.map { Input(path: $0, role: .ratings) } + pick(["movie_titles.csv", "movie_titles.txt"])))
        }
        if lower.contains("netflix_titles.csv") { candidates.append((.netflixTitles, pick(["netflix_titles.csv"]))) }
        if let requested, let match = candidates.first(where: { $0.0 == requested }) { return (match.1, match.0) }
        guard candidates.count == 1 else {
            if candidates.isEmpty {
                throw DataError(.usage, file: dir, "no known rating files (u.data, ratings.dat, ratings.csv, combined_data_*.txt, netflix_titles.csv); name the files and pass --format")
            }
            throw DataError(.usage, file: dir, "holds several datasets (\(candidates.map(\.0.rawValue).joined(separator: ", "))); pass --format or name the files")
        }
        return (candidates[0].1, candidates[0].0)
    }
}
