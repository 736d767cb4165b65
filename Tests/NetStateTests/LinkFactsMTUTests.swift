import NetState
import Testing

/// The underlay MTU's range and its provenance label.
@Suite struct LinkFactsMTUTests {
    @Test func theRangeIsWhatAnUnderlayCanBe() {
        #expect(LinkFacts.mtuRefusal(68) == nil)
        #expect(LinkFacts.mtuRefusal(1500) == nil)
        #expect(LinkFacts.mtuRefusal(65535) == nil)
        #expect(LinkFacts.mtuRefusal(67) == "67 is not an interface MTU (68 to 65535)")
        #expect(LinkFacts.mtuRefusal(4_294_967_295) == "4294967295 is not an interface MTU (68 to 65535)")
    }

    /// Where the MTU came from is a label for messages: facts read from a snapshot equal the
    /// facts that were saved, whatever each says about its source.
    @Test func theSourceIsALabelNotAFact() {
        let live = LinkFacts(underlay: "eth0", mtu: 9000, mtuSource: "the live interface eth0")
        var loaded = live
        loaded.mtuSource = "snapshot node.json (facts.mtu)"
        #expect(live == loaded)
        #expect(live.hashValue == loaded.hashValue)
        #expect(LinkFacts(underlay: "eth0").mtuSource == "the underlay MTU")
    }
}
