@testable import CineMeshNumerics
import Testing

@Suite struct ContentTokenizerTests {
    @Test func foldsCaseAndAccentsAndDropsStopWords() {
        let plain = ContentTokenizer(stem: false)
        #expect(plain.words("Amélie's Café, in PARIS!") == ["amelie", "cafe", "paris"])
        #expect(ContentTokenizer.fold("AMÉLIE") == "amelie")
        #expect(plain.words("The man who knew too much") == ["man", "knew"])
    }

    @Test func anyScriptAndWidthFolding() {
        #expect(ContentTokenizer(stem: false).words("東京 Ｔｏｋｙｏ — Ñandú") == ["東京", "tokyo", "nandu"])
    }

    @Test func dropsNumbersAndSingleLetters() {
        #expect(ContentTokenizer(stem: false).words("Ocean's 11 x 2 agents 007") == ["ocean", "agents"])
    }

    @Test func sStemmerConflatesPluralsOnly() {
        let t = ContentTokenizer()
        #expect(t.words("The stories of 1999 heroes and a dog") == ["story", "heroe", "dog"])
        #expect(t.words("boss virus glass cats") == ["boss", "virus", "glass", "cat"])
        #expect(ContentTokenizer.sStem("movies") == "movy")   // crude, but the same on both sides
        #expect(ContentTokenizer.sStem("gas") == "gas")
    }
}
