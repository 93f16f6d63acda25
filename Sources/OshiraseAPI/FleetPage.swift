import Foundation
package import Hummingbird
package import Logging
import OshiraseCore
package import OshiraseFleet

/// `oshirase fleet serve`: city hall's fleet page on Hummingbird (docs/fleet.md). Every box the
/// brokers know, offline boxes first, each with its displays' thumbnails, what plays and its
/// alerts; the page reloads itself every 5 s. Routes: `GET /` (the page), `GET /fleet.json`
/// (every box as `fleet status --format json` prints it), `GET /thumb?box=&display=` (a JPEG).
/// `brokerProblems` names each broker the page cannot read now, shown above the boxes: what it
/// last said of its boxes may be stale.
package func makeFleetPage(host: String, port: Int, logger: Logger, title: String,
                           directory: @escaping @Sendable () -> FleetDirectory,
                           brokerProblems: @escaping @Sendable () -> [String] = { [] },
                           onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let router = Router(options: .autoGenerateHeadEndpoints)
    router.get("/") { _, _ -> Response in
        let nonce = PreviewPage.makeNonce()
        let page = FleetPageHTML(title: title, boxes: directory().sorted, nonce: nonce, brokerProblems: brokerProblems()).html
        var response = uncachedResponse(Array(page.utf8), contentType: "text/html; charset=utf-8")
        response.headers[.contentSecurityPolicy] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
            + "script-src 'nonce-\(nonce)'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        return response
    }
    router.get("/fleet.json") { _, _ -> Response in
        JSONBody.response(directory().sorted.map(\.summary))
    }
    router.get("/thumb") { request, _ -> Response in
        let box = request.uri.queryParameters["box"].map(String.init) ?? ""
        let display = request.uri.queryParameters["display"].map(String.init) ?? ""
        guard let jpeg = directory().boxes[box]?.thumbnails[display] else {
            return JSONBody.response(["error": "no thumbnail of display '\(display.prefix(64))' of box '\(box.prefix(64))'"],
                                     status: .notFound)
        }
        return uncachedResponse(jpeg, contentType: "image/jpeg")
    }
    return Application(router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
                       onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
}

/// The page itself, written whole by the server; its one script only marks each thumbnail with
/// its size once loaded (`data-natural-width`), which the headless-browser test reads.
struct FleetPageHTML {
    var title: String
    var boxes: [FleetBox]
    var nonce: String
    /// The brokers not read now, each with why (see ``makeFleetPage``).
    var brokerProblems: [String] = []

    static let script = """
    for (const img of document.querySelectorAll('img')) {
      const mark = () => { img.dataset.naturalWidth = img.naturalWidth; img.dataset.naturalHeight = img.naturalHeight; };
      if (img.complete && img.naturalWidth > 0) mark(); else img.addEventListener('load', mark);
    }
    """

    var html: String {
        let online = boxes.filter(\.isOnline).count
        let cards = boxes.map(card).joined(separator: "\n")
        return """
        <!doctype html>
        <html lang="ja">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="refresh" content="5">
        <title>\(escapeHTML(title))</title>
        <style>\(Self.styleSheet)</style>
        </head>
        <body>
        <header><h1>\(escapeHTML(title))</h1>
        <p id="summary">\(boxes.count) 台 / \(boxes.count) boxes: \(online) online, \(boxes.count - online) offline</p>\(brokerWarning)</header>
        <main id="boxes">
        \(boxes.isEmpty ? #"<p class="note">No box has reported to the brokers yet.</p>"# : cards)
        </main>
        <script nonce="\(nonce)">\(Self.script)</script>
        </body>
        </html>
        """
    }

    func card(_ box: FleetBox) -> String {
        let summary = box.summary
        let since = box.since.map { "\(box.isOnline ? "since" : "last seen") \(Instant.format($0, in: .current, milliseconds: false))" } ?? ""
        let displays = summary.displays.map { display -> String in
            let items = display.items.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            let thumbnail = box.thumbnails[display.name] == nil ? #"<div class="nothumb">no picture yet</div>"#
                : #"<img alt="\#(escapeHTML(display.name))" src="/thumb?box=\#(query(box.id))&amp;display=\#(query(display.name))&amp;v=\#(query(summary.stateAt ?? ""))">"#
            return """
            <figure class="display" data-display="\(escapeHTML(display.name))">\(thumbnail)
            <figcaption><b>\(escapeHTML(display.name))</b> \(display.powered ? "" : "(off) ")\(escapeHTML(items))\
            \(display.alert.map { #" <span class="alert">⚠ \#(escapeHTML($0))</span>"# } ?? "")\
            \(display.error.map { #" <span class="error">\#(escapeHTML($0))</span>"# } ?? "")</figcaption></figure>
            """
        }.joined()
        let alerts = summary.alerts.map { "<li>\(escapeHTML($0.severity)) \(escapeHTML($0.headline)) (\(escapeHTML($0.state)))</li>" }.joined()
        return """
        <section class="box \(escapeHTML(summary.status))" data-box="\(escapeHTML(box.id))" data-status="\(escapeHTML(summary.status))">
        <h2>\(escapeHTML(box.id)) <span class="status">\(escapeHTML(summary.status))</span> <small>\(escapeHTML(since))\
        \(summary.version.map { " · v" + escapeHTML($0) } ?? "")\(summary.site.map { " · " + escapeHTML($0) } ?? "")</small></h2>
        <div class="displays">\(displays)</div>
        \(alerts.isEmpty ? "" : "<ul class=\"alerts\">\(alerts)</ul>")
        </section>
        """
    }

    private var brokerWarning: String {
        guard !brokerProblems.isEmpty else { return "" }
        let items = brokerProblems.map { "<li>\(escapeHTML($0))</li>" }.joined()
        let one = brokerProblems.count == 1
        return #"<div id="brokers" class="warning">Not reading \#(one ? "this broker" : "these brokers") now; "#
            + #"what \#(one ? "it" : "they") last said of \#(one ? "its" : "their") boxes may be stale:<ul>\#(items)</ul></div>"#
    }

    private func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    static let styleSheet = """
    body{font-family:"Noto Sans CJK JP",sans-serif;margin:0;background:#111;color:#eee}
    header{padding:8px 16px;background:#222}h1{font-size:20px;margin:0}
    main{display:flex;flex-wrap:wrap;gap:12px;padding:12px}
    .box{background:#1c1c1c;border:2px solid #2e7d32;border-radius:6px;padding:8px;min-width:340px}
    .box.offline,.box.unknown{border-color:#c62828}.box h2{font-size:16px;margin:0 0 6px}
    .status{padding:0 6px;border-radius:3px;background:#2e7d32}.offline .status,.unknown .status{background:#c62828}
    .displays{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0}img,.nothumb{width:320px;max-height:320px;object-fit:contain;background:#000}
    .nothumb{height:180px;display:flex;align-items:center;justify-content:center;color:#777}
    .warning{margin:6px 0 0;padding:6px 10px;background:#5d1f1f;border-left:4px solid #c62828}.warning ul{margin:4px 0 0}
    figcaption{font-size:12px}.alert{color:#ffb300}.error{color:#ef5350}.alerts{font-size:13px;margin:6px 0 0;padding-left:18px}
    """
}
