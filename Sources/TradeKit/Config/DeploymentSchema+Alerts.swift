import Foundation

/// `[alerts]` with its receivers and routes, and the `[market]` calendar they use (docs/alerting.md).
extension DeploymentSchema {
    static var alerts: SchemaSection<AlertsConfig> {
        SchemaSection(keys: [
            .optional(
                "webhook_url", \.webhookURL, .string,
                doc: "POST target; never printed or logged; `config show` prints `<redacted>`", format: "URL",
                secret: true,
                check: { value, _ in
                    // Never echo the value: webhook URLs carry tokens.
                    value.hasPrefix("https://") || value.hasPrefix("http://")
                        ? [] : [.init(message: "must be an http(s) URL")]
                }),
            .key(
                "webhook_format", \.webhookFormat, .choice, default: .value(.slack),
                doc: "Slack incoming-webhook message, or the alert as JSON"),
            .key(
                "command", \.command, .stringList, default: .value([]),
                doc: "program run per alert with the alert as JSON on stdin (mail, SMS); absolute path",
                format: "list of strings (argv)", defaultDoc: "none", omitWhen: \.isEmpty,
                check: { value, _ in
                    guard let program = value.first, !program.hasPrefix("/") else { return [] }
                    return [.init(message: "must start with an absolute path to the program")]
                }),
            .key(
                "min_severity", \.minSeverity, .choice, default: .value(.warning),
                doc: "alerts below this are not sent (their recovery neither)"),
            .key(
                "repeat_after", \.repeatAfter, .duration, default: .value(.seconds(3600)),
                doc: "reminder interval while a problem lasts (`0s`: never)"),
            .key("timeout", \.timeout, .duration, default: .value(.seconds(10)), doc: "per delivery attempt"),
            .key(
                "retries", \.retries, .integer(0...20), default: .value(3),
                doc: "further attempts after a failed one, with doubling backoff"),
            .key(
                "queue_size", \.queueSize, .integer(1...100_000), default: .value(100),
                doc: "alerts waiting per notifier; when full the oldest is dropped and counted"),
            .optional(
                "env_file", \.envFile, .string,
                doc: "env file in `shared/` holding the receivers' secrets (the variables their `*_env` keys name); "
                    + "the monitor reads it when it starts", format: "relative path"),
            .tables(
                "receivers", \.receivers, receiver, blank: { _ in ReceiverConfig() },
                doc: "named places alerts go, see below"),
            .tables(
                "routes", \.routes, route, blank: { _ in AlertRoute() },
                doc: "which alerts go to which receivers, see below; none: every alert ≥ `min_severity` goes to "
                    + "`webhook_url` and `command`"),
        ])
    }

    static var receiver: SchemaSection<ReceiverConfig> {
        SchemaSection(keys: [
            .key(
                "name", \.name, .string, default: .required(placeholder: { context in "receiver\(context.index)" }),
                doc: "named by routes", format: "string, `[a-z][a-z0-9-]{0,31}`"),
            .key("type", \.type, .choice, default: .value(.webhook), doc: "what kind of receiver"),
            .optional(
                "url_env", \.urlEnv, .string, doc: "slack, webhook: variable holding the URL (it carries the token)",
                format: "variable name"),
            .optional(
                "url", \.url, .string,
                doc: "webhook: a URL without a token; pagerduty: Events API v2 endpoint; telegram: Bot API base",
                format: "URL", defaultDoc: "the service's public endpoint"),
            .key(
                "format", \.format, .choice, default: .value(.generic),
                doc: "webhook: the alert as JSON, or a Slack message", printIf: { $0.type == .webhook }),
            .optional(
                "smtp_url", \.smtpURL, .string,
                doc: "email: `smtp://host:587` (STARTTLS) or `smtps://host:465`", format: "URL"),
            .optional("from", \.from, .string, doc: "email: sender address"),
            .key(
                "to", \.to, .stringList, default: .value([]), doc: "email: recipients",
                format: "list of addresses", omitWhen: \.isEmpty),
            .optional("username", \.username, .string, doc: "email: SMTP AUTH user"),
            .optional(
                "password_env", \.passwordEnv, .string, doc: "email: variable holding the SMTP password",
                format: "variable name"),
            .key(
                "starttls", \.starttls, .bool, default: .value(true),
                doc: "email: refuse to send unless an `smtp://` server upgrades to TLS",
                printIf: { $0.type == .email }),
            .optional(
                "ca_file", \.caFile, .string, doc: "email: CA bundle for the server's certificate", format: "path"),
            .optional(
                "routing_key_env", \.routingKeyEnv, .string,
                doc: "pagerduty: variable holding the integration's routing key", format: "variable name"),
            .optional(
                "token_env", \.tokenEnv, .string, doc: "telegram: variable holding the bot token",
                format: "variable name"),
            .optional("chat_id", \.chatID, .string, doc: "telegram: the chat to write to"),
            .key(
                "command", \.command, .stringList, default: .value([]),
                doc: "command: program run per alert with the alert as JSON on stdin", format: "list of strings (argv)",
                omitWhen: \.isEmpty),
            .optional("timeout", \.timeout, .duration, doc: "per delivery attempt", defaultDoc: "`alerts.timeout`"),
        ])
    }

    static var route: SchemaSection<AlertRoute> {
        SchemaSection(keys: [
            .key(
                "name", \.name, .string, default: .required(placeholder: { context in "route\(context.index)" }),
                doc: "names the route in `monitor test-alert --route` and logs"),
            .key(
                "receivers", \.receivers, .stringList, default: .required(placeholder: { _ in [] }),
                doc: "receivers that get the route's alerts", format: "list of receiver names"),
            .key(
                "min_severity", \.minSeverity, .choice, default: .value(.warning),
                doc: "alerts at least this severe (a recovery goes where its alert went)"),
            .key(
                "components", \.components, .stringList, default: .value([]),
                doc: "only alerts about these components", format: "list of component names", defaultDoc: "any",
                omitWhen: \.isEmpty),
            .key(
                "checks", \.checks, .stringList, default: .value([]),
                doc: "only alerts of these checks (`unit`, `journal`, `journal-pattern`, `recovery`, `auto-halt`…)",
                format: "list of check names", defaultDoc: "any", omitWhen: \.isEmpty),
            .key(
                "kinds", \.kinds, .stringList, default: .value([]),
                doc: "only these alert kinds (`firing`, `reminder`, `recovered`, `escalation`, `test`)",
                format: "list of kinds", defaultDoc: "any", omitWhen: \.isEmpty),
            .optional(
                "quiet_hours", \.quietHours, .string,
                doc: "daily window in `[market] timezone` when only alerts ≥ `quiet_min_severity` go out",
                format: "`HH:MM-HH:MM`",
                check: { value, _ in
                    DailyWindow(parsing: value) != nil ? [] : [.init(message: "must be HH:MM-HH:MM, got \"\(value)\"")]
                }),
            .key(
                "quiet_min_severity", \.quietMinSeverity, .choice, default: .value(.critical),
                doc: "what still goes out during `quiet_hours`"),
            .key(
                "active", \.active, .choice, default: .value(.always),
                doc: "deliver always, only while a `[market]` session is open, or only outside them"),
            .optional(
                "repeat_after", \.repeatAfter, .duration, doc: "reminder interval on this route (`0s`: never)",
                defaultDoc: "`alerts.repeat_after`"),
        ])
    }

    static var market: SchemaSection<MarketConfig> {
        SchemaSection(keys: [
            .key(
                "timezone", \.timezone, .string, default: .value("America/New_York"),
                doc: "IANA time zone of the sessions, holidays and routes' quiet hours",
                check: { value, _ in
                    TimeZone(identifier: value) != nil ? [] : [.init(message: "unknown time zone \"\(value)\"")]
                }),
            .key(
                "sessions", \.sessions, .stringList, default: .value(["Mon..Fri 09:30-16:00"]),
                doc: "weekly trading sessions; a window ending before it starts crosses midnight",
                format: "list of `DAYS HH:MM-HH:MM`",
                check: { values, _ in
                    values.enumerated().filter { WeeklySession(parsing: $0.element) == nil }.map {
                        KeyProblem(
                            suffix: "[\($0.offset)]",
                            message: "must be DAYS HH:MM-HH:MM (e.g. \"Mon..Fri 09:30-16:00\"), got \"\($0.element)\"")
                    }
                }),
            .key(
                "holidays", \.holidays, .stringList, default: .value([]),
                doc: "dates the market is closed", format: "list of `YYYY-MM-DD`",
                check: { values, _ in
                    values.enumerated().filter { !TradingCalendar.isDate($0.element) }.map {
                        KeyProblem(suffix: "[\($0.offset)]", message: "must be YYYY-MM-DD, got \"\($0.element)\"")
                    }
                }),
            .key(
                "early_closes", \.earlyCloses, .stringList, default: .value([]),
                doc: "days the sessions close early, and when", format: "list of `YYYY-MM-DD HH:MM`",
                check: { values, _ in
                    values.enumerated().filter { TradingCalendar.earlyClose($0.element) == nil }.map {
                        KeyProblem(
                            suffix: "[\($0.offset)]", message: "must be YYYY-MM-DD HH:MM, got \"\($0.element)\"")
                    }
                }),
            .optional(
                "holidays_file", \.holidaysFile, .holidaysFile,
                doc: "more holidays and early closes, one date a line (docs/market-hours.md); `\"us-equities\"` "
                    + "is the NYSE calendar shipped with tradectl",
                format: "calendar name or path"),
        ])
    }
}
