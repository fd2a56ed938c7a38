import Foundation
import Testing

/// `cinemesh similar` and `match-titles` end to end on small hand-written catalogs.
@Suite struct SimilarCLITests {
    static let netflix = """
    show_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description
    s1,TV Show,Stranger Things,,"Winona Ryder, David Harbour",United States,"July 15, 2016",2019,TV-14,3 Seasons,"TV Horror, TV Mysteries, TV Sci-Fi & Fantasy","When a young boy vanishes, a small town uncovers a mystery involving secret experiments and terrifying supernatural forces."
    s2,TV Show,Dark,,"Louis Hofmann",Germany,"December 1, 2017",2020,TV-MA,3 Seasons,"TV Mysteries, TV Sci-Fi & Fantasy","A missing child sets four families on a frantic hunt for answers as they unearth a mind-bending mystery that spans generations."
    s3,Movie,The Irishman,Martin Scorsese,"Robert De Niro, Al Pacino",United States,"November 27, 2019",2019,R,209 min,Dramas,"Hit man Frank Sheeran looks back at the secrets he kept as a loyal member of the Bufalino crime family."
    s4,Movie,Taxi Driver,Martin Scorsese,"Robert De Niro, Jodie Foster",United States,"January 1, 2019",1976,R,114 min,"Classic Movies, Dramas","A mentally unstable Vietnam War veteran works as a night-time taxi driver in New York City."
    s5,Movie,The Matrix,Lana Wachowski,"Keanu Reeves",United States,"November 1, 2019",1999,R,136 min,"Action & Adventure, Sci-Fi & Fantasy","A computer hacker learns that reality is a simulation run by machines."

    """

    static let movieLens = """
    movieId,title,genres
    1,"Matrix, The (1999)",Action|Sci-Fi|Thriller
    2,Taxi Driver (1976),Crime|Drama|Thriller
    3,Heat (1995),Action|Crime|Drama

    """

    @Test func moreLikeThisByTitleItemAndSavedModel() throws {
        let s = Scratch()
        _ = s.file("nf/netflix_titles.csv", Self.netflix)
        #expect(try cinemesh(["ingest", s.sub("nf"), "--out", s.sub("nf-ds")]).status == 0)
        let r = try cinemesh(["similar", s.sub("nf-ds"), "--title", "the irishman", "--n", "2", "--save", s.sub("m.cmneigh")])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let first = lines.firstIndex { $0.hasPrefix("  1  ") }
        #expect(first != nil && lines[first!].contains("Taxi Driver") && lines[first!].contains("1976") && lines[first!].contains("Movie"), "\(r.stdout)")
        let saved = try cinemesh(["similar", s.sub("m.cmneigh"), "--item", "s1", "--n", "1"])
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout.contains("more like Stranger Things (2019), TV Show [s1]") && saved.stdout.contains("  1  Dark"), "\(saved.stdout)")
    }

    @Test func unknownTitleSuggestsNearOnesAndDamageNamesTheFile() throws {
        let s = Scratch()
        _ = s.file("nf/netflix_titles.csv", Self.netflix)
        #expect(try cinemesh(["ingest", s.sub("nf"), "--out", s.sub("nf-ds")]).status == 0)
        let r = try cinemesh(["similar", s.sub("nf-ds"), "--title", "Strager Things"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("no title 'Strager Things'") && r.stderr.contains("did you mean \"Stranger Things\" (2019)"), "\(r.stderr)")
        _ = s.file("bad.cmneigh", "CMNEIGH\0 this is no model at all, only text")
        let bad = try cinemesh(["similar", s.sub("bad.cmneigh"), "--title", "Dark"])
        #expect(bad.status == 1 && bad.stderr.contains(s.sub("bad.cmneigh")), "\(bad.stderr)")
    }

    @Test func matchTitlesReportsTheRate() throws {
        let s = Scratch()
        _ = s.file("nf/netflix_titles.csv", Self.netflix)
        _ = s.file("ml/movies.csv", Self.movieLens)
        _ = s.file("ml/ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,5.0,964982931\n")
        #expect(try cinemesh(["ingest", s.sub("nf"), "--out", s.sub("nf-ds")]).status == 0)
        #expect(try cinemesh(["ingest", s.sub("ml"), "--out", s.sub("ml-ds")]).status == 0)
        let r = try cinemesh(["match-titles", s.sub("nf-ds"), s.sub("ml-ds")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("matched 2 of 5 (40.0%): 2 same year, 0 within 1 year(s)"), "\(r.stdout)")
        #expect(r.stdout.contains("The Matrix (1999)  =  Matrix, The (1999)"), "\(r.stdout)")
    }
}
