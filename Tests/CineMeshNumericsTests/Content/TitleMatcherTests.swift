@testable import CineMeshNumerics
import Testing

@Suite struct TitleMatcherTests {
    @Test func normalizesArticlesYearsPunctuationAndAccents() {
        #expect(TitleMatcher.normalize("Matrix, The (1999)") == "matrix")
        #expect(TitleMatcher.normalize("The Matrix") == "matrix")
        #expect(TitleMatcher.normalize("Amélie") == "amelie")
        #expect(TitleMatcher.normalize("Blood & Water") == "blood and water")
        #expect(TitleMatcher.normalize("Schindler's List (1993)") == "schindlers list")
        #expect(TitleMatcher.normalize("Star Wars: Episode IV - A New Hope (1977)") == "star wars episode iv a new hope")
        #expect(TitleMatcher.normalize("Auberge espagnole, L' (2002)") == "auberge espagnole")
        #expect(TitleMatcher.normalize("A") == "a")   // an article alone stays
    }

    @Test func alternateTitlesAreKeys() {
        #expect(TitleMatcher.keys("Seven (a.k.a. Se7en) (1995)") == ["seven", "se7en"])
        #expect(TitleMatcher.keys("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)") == ["amelie", "fabuleux destin damelie poulain"])
    }

    @Test func matchesByTitleAndYear() {
        let left = [TitleMatcher.Title("The Matrix", year: 1999), TitleMatcher.Title("The Matrix", year: 2010),
                    TitleMatcher.Title("Amélie", year: 2001), TitleMatcher.Title("Se7en", year: 1996), TitleMatcher.Title("Nothing Like It", year: 2000)]
        let right = [TitleMatcher.Title("Matrix, The (1999)", year: 1999), TitleMatcher.Title("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", year: 2001),
                     TitleMatcher.Title("Seven (a.k.a. Se7en) (1995)", year: 1995)]
        let report = TitleMatcher(yearTolerance: 1).match(left, to: right)
        #expect(report.matches == [0, nil, 1, 2, nil])
        #expect(report.exactYear == 2 && report.nearYear == 1 && report.matched == 3 && report.withYear == 5)
        let strict = TitleMatcher(yearTolerance: 0).match(left, to: right)
        #expect(strict.matches == [0, nil, 1, nil, nil])
    }

    @Test func suggestsNearTitles() {
        let titles = ["Stranger Things", "Narcos", "Narcos: Mexico", "The Irishman"]
        #expect(TitleMatcher.find("stranger things", in: titles) == [0])
        #expect(TitleMatcher.find("Strager Things", in: titles).isEmpty)
        #expect(TitleMatcher.suggestions(for: "Strager Things", in: titles) == [0])
        #expect(TitleMatcher.suggestions(for: "Narco", in: titles) == [1, 2])
        #expect(TitleMatcher.suggestions(for: "Zzzzzz", in: titles).isEmpty)
    }
}
