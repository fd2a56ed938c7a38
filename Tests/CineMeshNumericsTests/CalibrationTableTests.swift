@testable import CineMeshNumerics
import Testing

/// The calibration table: predictions by tenth of probability, their mean and the like rate.
@Suite struct CalibrationTableTests {
    @Test func binsHoldMeansAndRates() {
        let table = CalibrationTable(labels: [0, 1, 0, 0, 1, 1, 1], probabilities: [0.05, 0.15, 0.25, 0.21, 0.95, 1.0, 0.99])
        #expect(table.bins.count == 10 && table.bins.map(\.count) == [1, 1, 2, 0, 0, 0, 0, 0, 0, 3])
        #expect(abs(table.bins[2].meanPredicted - 0.23) < 1e-12 && table.bins[2].observedRate == 0)
        #expect(abs(table.bins[9].meanPredicted - (0.95 + 1.0 + 0.99) / 3) < 1e-12 && table.bins[9].observedRate == 1)
        #expect(table.bins[3].meanPredicted == 0 && table.bins[3].lower == 0.3 && table.bins[3].upper == 0.4)
    }
}
