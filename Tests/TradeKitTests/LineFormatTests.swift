import Foundation
import Testing

@testable import TradeKit

/// `log_format`: the level a line states, and the priority it is judged by.
@Suite("Logs: levels read from the lines")
struct LineFormatTests {
    let python = LineFormat.python
    let json = LineFormat.json

    @Test("python: logging's default format, every level")
    func pythonDefault() {
        #expect(python.statedPriority(of: "ERROR:engine:order rejected by broker: margin") == 3)
        #expect(python.statedPriority(of: "CRITICAL:root:cannot reach gateway") == 2)
        #expect(python.statedPriority(of: "WARNING:engine:slow fill (2.3s)") == 4)
        #expect(python.statedPriority(of: "INFO:engine:loop 11: placed order 11") == 6)
        #expect(python.statedPriority(of: "DEBUG:engine.risk:delta 0.31") == 7)
    }

    @Test("python: timestamped formats, bracketed levels, a logger name with a pid")
    func pythonTimestamped() {
        #expect(python.statedPriority(of: "2026-12-07 10:00:00,123 - engine - ERROR - order rejected") == 3)
        #expect(python.statedPriority(of: "2026-12-07 10:00:00,123 databento WARNING Rate limited, waiting 2s") == 4)
        #expect(python.statedPriority(of: "2026-12-07 10:00:00,123 ERROR engine: order rejected") == 3)
        #expect(python.statedPriority(of: "2026-12-07T10:00:00.123Z [ERROR] engine: order rejected") == 3)
        #expect(python.statedPriority(of: "[2026-12-07 10:00:00] [MainThread] INFO app.risk: ok") == 6)
        #expect(python.statedPriority(of: "[ERROR] thetagang: order rejected") == 3)
        #expect(python.statedPriority(of: "databento[4242]: ERROR pull failed") == 3)
        #expect(python.statedPriority(of: "2026-12-07 10:00:00 [error    ] pull failed") == 3)
        #expect(python.statedPriority(of: "10:00:00 | WARNING | slow") == 4)
    }

    @Test("python: words of the message are not a level")
    func pythonMessageWords() {
        #expect(python.statedPriority(of: "INFO:engine:error rate is 0") == 6)
        #expect(python.statedPriority(of: "INFO:engine:ERROR count 0 since start") == 6)
        #expect(python.statedPriority(of: "engine: order rejected: error 201 from broker") == nil)
        #expect(python.statedPriority(of: "engine: order rejected ERROR 201 from broker") == nil)
        #expect(python.statedPriority(of: "engine: started (account DEMO, 0 pending)") == nil)
        #expect(python.statedPriority(of: "ERRORS:engine:x") == nil)
        #expect(python.statedPriority(of: "") == nil)
    }

    @Test("python: a traceback's first line is an error, its other lines state nothing")
    func pythonTraceback() {
        #expect(python.statedPriority(of: "Traceback (most recent call last):") == 3)
        #expect(python.statedPriority(of: "  File \"engine.py\", line 12, in <module>") == nil)
        #expect(python.statedPriority(of: "ValueError: invalid literal for int()") == nil)
    }

    @Test("json: string and numeric levels under the usual keys")
    func jsonLevels() {
        #expect(json.statedPriority(of: #"{"level":"error","msg":"order rejected"}"#) == 3)
        #expect(json.statedPriority(of: #"{"levelname":"WARNING","message":"slow"}"#) == 4)
        #expect(json.statedPriority(of: #"  {"severity":"CRITICAL"}"#) == 2)
        #expect(json.statedPriority(of: #"{"level":40,"msg":"python's ERROR"}"#) == 3)
        #expect(json.statedPriority(of: #"{"level":"50"}"#) == 2)
        #expect(json.statedPriority(of: #"{"lvl":3}"#) == 3)
        #expect(json.statedPriority(of: #"{"level":20}"#) == 6)
        #expect(json.statedPriority(of: #"{"msg":"error: no level field"}"#) == nil)
        #expect(json.statedPriority(of: "ERROR:engine:not json") == nil)
        #expect(json.statedPriority(of: "{not json") == nil)
    }

    @Test("the judged priority: the more severe of journald's and the line's; plain keeps journald's")
    func judged() {
        #expect(python.priority(of: "ERROR:engine:x", recorded: 6) == 3)
        #expect(python.priority(of: "INFO:engine:x", recorded: 3) == 3)
        #expect(python.priority(of: "no level here", recorded: nil) == 6)
        #expect(LineFormat.plain.priority(of: "ERROR:engine:x", recorded: 6) == 6)
        #expect(LineFormat.plain.statedPriority(of: "ERROR:engine:x") == nil)
    }
}
