import CineMeshData
import CineMeshModel
import Foundation
import Testing

/// A model to serve knows every title its users rated, including the ratings its training held out.
@Suite struct SeenItemsTests {
    /// Trained with the default random 20% split, in one process and on a cluster, the saved model
    /// still lists every rating of the dataset as seen, so no rated title is ever recommended.
    @Test func aModelTrainedOnASplitCountsTheHeldOutRatingsAsSeen() throws {
        let s = Scratch()
        #expect(try cinemesh(["generate", "--ratings", "2e4", "--seed", "4", "--dataset", s.sub("ds")]).status == 0)
        let dataset = try Dataset(path: s.sub("ds"))
        var rated = [Set<UInt32>](repeating: [], count: dataset.manifest.users)
        for block in try dataset.allBlocks(includeTimestamps: false) {
            for k in 0 ..< block.count { rated[Int(block.users[k])].insert(block.items[k]) }
        }
        for (name, extra) in [("one", [String]()), ("cluster", ["--local", "1"])] {
            let r = try cinemesh(["train", s.sub("ds"), "--epochs", "2", "--factors", "8", "--save", s.sub("\(name).model")] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("test RMSE") || r.stdout.contains("test"), "the split held ratings out: \(r.stdout)")
            let model = try ModelFile.read(s.sub("\(name).model"))
            for u in 0 ..< dataset.manifest.users {
                #expect(Set(model.seen(user: u)) == rated[u], "\(name): user \(u)")
            }
        }
    }
}
