@testable import DjinitPostgres
import Testing

@Suite struct PostgresErrorTests {
    @Test func verboseConnectionErrorsCarryTheirSQLState() {
        let error = PostgresError(libpqMessage: """
            connection to server at "127.0.0.1", port 55432 failed: FATAL:  28P01: password authentication failed for user "djinit"
            LOCATION:  auth_failed, auth.c:326

            """)
        #expect(error.sqlState == "28P01")
        #expect(error.message == "password authentication failed for user \"djinit\"")
        #expect(error.description == "password authentication failed for user \"djinit\" (SQLSTATE 28P01)")
    }

    @Test func failuresBelowSQLHaveNoSQLState() {
        let error = PostgresError(libpqMessage: """
            connection to server at "127.0.0.1", port 1 failed: Connection refused
            \tIs the server running on that host and accepting TCP/IP connections?

            """)
        #expect(error.sqlState == nil)
        #expect(error.message.hasPrefix("connection to server at \"127.0.0.1\", port 1 failed: Connection refused"))
    }

    @Test func pgBouncerErrorsKeepTheirMessage() {
        let error = PostgresError(libpqMessage: "ERROR:  08P01: SASL authentication failed\n")
        #expect(error.sqlState == "08P01")
        #expect(error.message == "SASL authentication failed")
    }
}

@Suite struct AdvisoryLockKeyTests {
    @Test func aNumberIsTheKeyItself() {
        #expect(AdvisoryLockKey(name: "42").value == 42)
        #expect(AdvisoryLockKey(name: "-7").value == -7)
    }

    /// FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c: the key must not change between versions, or two
    /// djinit versions in one rollout would not exclude each other.
    @Test func namesHashWithFNV1a() {
        #expect(UInt64(bitPattern: AdvisoryLockKey(name: "a").value) == 0xaf63_dc4c_8601_ec8c)
        #expect(AdvisoryLockKey(name: "djinit:migrate:app") != AdvisoryLockKey(name: "djinit:migrate:app2"))
    }

    @Test func pgLocksShowsTheKeyAsTwoHalves() {
        let key = AdvisoryLockKey(name: String(Int64(bitPattern: 0x0000_0001_0000_0002)))
        #expect(key.halves.classID == 1 && key.halves.objectID == 2)
    }
}
