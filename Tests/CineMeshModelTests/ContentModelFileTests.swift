@testable import CineMeshData
@testable import CineMeshModel
import Foundation
import Testing

@Suite struct ContentModelFileTests {
    func sample(neighbors: [Int32] = [2, 1, 0, 0]) -> ContentModelFile {
        let catalog = ColumnTable(columns: [.init("item", .string(["s1", "s2", "s3"])), .init("title", .string(["A", "B", "Ç"])),
                                            .init("year", .int([1999, nil, 2021]))])
        return ContentModelFile(metadata: .init(parameters: .object(["stem": .bool(true)]), dataset: "tiny", datasetContentHash: "0123456789abcdef"),
                                catalog: catalog,
                                neighbors: ItemNeighbors(k: 2, offsets: [0, 2, 3, 4], neighbors: neighbors, scores: [0.9, 0.5, 0.9, 0.25]))
    }

    func temporaryPath() -> String { NSTemporaryDirectory() + "content-\(UUID().uuidString).cmneigh" }

    @Test func roundTripKeepsEverything() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try sample().write(to: path)
        let back = try ContentModelFile.read(path)
        #expect(back == sample())
        #expect(back.neighbors.of(0).neighbors.elementsEqual([2, 1]))
        #expect(back.neighbors.of(2).scores.elementsEqual([0.25]))
    }

    @Test func everyFlippedByteIsAnErrorNamingTheFile() throws {
        let bytes = try sample().encoded()
        for i in stride(from: 0, to: bytes.count, by: 7) {
            var damaged = bytes
            damaged[i] ^= 0x41
            let error = #expect(throws: DataError.self) { try ContentModelFile.decode(damaged, file: "m.cmneigh") }
            #expect(error?.file == "m.cmneigh")
        }
        for n in [0, 10, bytes.count / 2, bytes.count - 1] {
            let error = #expect(throws: DataError.self) { try ContentModelFile.decode(Array(bytes.prefix(n)), file: "m.cmneigh") }
            #expect(error?.file == "m.cmneigh")
        }
    }

    @Test func aNeighbourOutsideTheItemsIsRefusedEvenWithAGoodChecksum() throws {
        let bytes = try sample(neighbors: [2, 1, 7, 0]).encoded()
        let error = #expect(throws: DataError.self) { try ContentModelFile.decode(bytes, file: "m.cmneigh") }
        #expect(error?.message.contains("outside") == true)
    }

    @Test func anotherKindOfFileIsRefused() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AtomicFile.write(Array("not a model, just some text that is long enough".utf8), to: path)
        let error = #expect(throws: DataError.self) { try ContentModelFile.read(path) }
        #expect(error?.file == path)
    }
}
