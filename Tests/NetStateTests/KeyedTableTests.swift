import NetState
import Testing

/// `KeyedTable` behaves as the dictionary it replaced, with its objects kept in key order.
@Suite struct KeyedTableTests {
    static func route(_ third: UInt8, metric: UInt32 = 0, device: String = "flannel.1") -> Route {
        Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(10, 244, third, 0), length: 24), metric: metric), device: device)
    }

    @Test func buildsInKeyOrderAndTheFirstOfOneKeyWins() {
        let table = KeyedTable([Self.route(3), Self.route(1), Self.route(3, device: "eth0"), Self.route(2)])
        #expect(table.values.map(\.key) == [1, 2, 3].map { Self.route($0).key })
        #expect(table[Self.route(3).key]?.device == "flannel.1")
        #expect(table.count == 3 && !table.isEmpty)
    }

    /// Random edits against a dictionary doing the same: same contents, always sorted.
    @Test func matchesADictionary() {
        var generator = SystemRandomNumberGenerator()
        var table = KeyedTable<Route>()
        var dictionary: [Route.Key: Route] = [:]
        for step in 0..<3_000 {
            let route = Self.route(UInt8.random(in: 0...60, using: &generator), metric: UInt32.random(in: 0...2, using: &generator),
                                   device: Bool.random(using: &generator) ? "a" : "b")
            switch step % 5 {
            case 0, 1:
                table[route.key] = route
                dictionary[route.key] = route
            case 2:
                #expect(table.removeValue(forKey: route.key) == dictionary.removeValue(forKey: route.key))
            case 3:
                let batch = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                    Self.route(UInt8.random(in: 0...60, using: &generator), metric: UInt32.random(in: 0...2, using: &generator))
                }
                table.merge(KeyedTable(batch)) { _, new in new }
                dictionary.merge(KeyedTable(batch).map { ($0.key, $0.value) }) { _, new in new }
            default:
                let keys = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                    Self.route(UInt8.random(in: 0...60, using: &generator), metric: UInt32.random(in: 0...2, using: &generator)).key
                }
                let removed = table.removeValues(forKeys: keys)
                var expected: [Route] = []
                for key in Set(keys) { if let value = dictionary.removeValue(forKey: key) { expected.append(value) } }
                #expect(removed == KeyedTable(expected))
            }
            #expect(table.count == dictionary.count)
            #expect(Array(table.keys) == dictionary.keys.sorted())
            #expect(table.allSatisfy { dictionary[$0.key] == $0.value })
        }
        #expect(table.filter { $0.value.device == "a" }.values == table.values.filter { $0.device == "a" })
    }
}
