import Foundation
import Hummingbird

/// One ranked title of an answer (`/v1/users/{user}/recommendations`, `/v1/recommendations`,
/// `/v1/items/{item}/similar`, `/v1/popular`, each batch entry).
struct Pick: Encodable {
    var rank: Int
    var item: String
    var title: String?
    var year: Int64?
    var genres: [String]
    var score: Float
    /// With `explain=true`: the user's rated titles nearest to this one.
    var because: [Because]?

    struct Because: Encodable {
        var item: String
        var title: String?
    }

    /// The answer's entries for `top` (ranked, best first). Scores are reported as
    /// `ModelFile.reportedScore` gives them (predicted ratings on the scale), but `cosine`
    /// similarities, which are no ratings, as they are.
    static func list(_ m: ServingModel, _ top: [(item: Int, score: Float)], explainFrom rated: [Int]? = nil, cosine: Bool = false) -> [Pick] {
        top.enumerated().map { rank, p in
            Pick(rank: rank + 1, item: m.itemId(p.item), title: m.titles[p.item], year: m.years[p.item], genres: m.genres[p.item],
                 score: cosine ? p.score : m.file.reportedScore(p.score),
                 because: rated.map { m.because(user: $0, item: p.item).map { Because(item: m.itemId($0), title: m.titles[$0]) } })
        }
    }
}

/// A ranked list of titles and the model that ranked it: the answer of every route that returns
/// titles.
struct Picks: Encodable {
    var model: String
    var modelVersion: Int
    var user: String?
    var item: String?
    var items: [Pick]

    var response: Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// The answer, written by hand: the hot path of the gateway, where JSONEncoder took a
    /// third of each request. Same keys, order and number formatting as `GatewayJSON`.
    var json: String {
        var out = "{"
        out.reserveCapacity(64 + 160 * items.count)
        if let item {
            out += "\"item\":"
            GatewayJSON.quoted(item, into: &out)
            out += ","
        }
        out += "\"items\":["
        for (n, p) in items.enumerated() {
            if n > 0 { out += "," }
            out += "{"
            if let because = p.because {
                out += "\"because\":["
                for (m, b) in because.enumerated() {
                    if m > 0 { out += "," }
                    out += "{\"item\":"
                    GatewayJSON.quoted(b.item, into: &out)
                    if let t = b.title {
                        out += ",\"title\":"
                        GatewayJSON.quoted(t, into: &out)
                    }
                    out += "}"
                }
                out += "],"
            }
            out += "\"genres\":["
            for (m, g) in p.genres.enumerated() {
                if m > 0 { out += "," }
                GatewayJSON.quoted(g, into: &out)
            }
            out += "],\"item\":"
            GatewayJSON.quoted(p.item, into: &out)
            out += ",\"rank\":\(p.rank),\"score\":\(p.score.isFinite ? p.score.description : "null")"
            if let t = p.title {
                out += ",\"title\":"
                GatewayJSON.quoted(t, into: &out)
            }
            if let y = p.year { out += ",\"year\":\(y)" }
            out += "}"
        }
        out += "],\"model\":"
        GatewayJSON.quoted(model, into: &out)
        out += ",\"model_version\":\(modelVersion)"
        if let user {
            out += ",\"user\":"
            GatewayJSON.quoted(user, into: &out)
        }
        out += "}"
        return out
    }
}
