import Foundation
import Hummingbird
import OshiraseDaemon

/// `GET /`: one self-contained page (no external assets) showing every display's latest frame.
///
/// The server writes a tile per display from the current status, so the page is meaningful at
/// once; its script then reloads each screenshot about once a second (the next request starts
/// when the previous image has arrived, so a slow link never piles requests up) and refreshes
/// the text from `/v1/status` every two seconds. Each `<img>` counts its loads in `data-loads`
/// and records `data-natural-width`/`-height`, which the headless-browser test reads.
struct PreviewPage {
    var status: DaemonStatus
    /// The bearer token the page was fetched with, when the API needs one: the script adds it
    /// to every URL it requests, since an `<img>` cannot send an Authorization header.
    var token: String?

    /// Milliseconds between the arrival of a screenshot and the request for the next one.
    static let screenshotIntervalMilliseconds = 1000
    /// Milliseconds between two reads of `/v1/status`.
    static let statusIntervalMilliseconds = 2000

    func response() -> Response {
        let nonce = Self.makeNonce()
        var response = uncachedResponse(Array(html(nonce: nonce).utf8), contentType: "text/html; charset=utf-8")
        // Scripts run only with the nonce; the page's <meta name="referrer"> keeps a token in
        // the URL out of Referer headers.
        response.headers[.contentSecurityPolicy] = "default-src 'none'; img-src 'self'; connect-src 'self'; "
            + "script-src 'nonce-\(nonce)'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'"
        return response
    }

    func html(nonce: String) -> String {
        let site = escapeHTML(status.site)
        let tiles = status.displays.map(tile).joined(separator: "\n")
        let empty = status.displays.isEmpty ? #"<p class="note">ディスプレイが設定されていません。</p>"# : ""
        return """
        <!doctype html>
        <html lang="ja">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(site) — お知らせプレビュー</title>
        <style>\(Self.styleSheet)</style>
        </head>
        <body data-token="\(escapeHTML(token ?? ""))" data-screenshot-interval="\(Self.screenshotIntervalMilliseconds)" \
        data-status-interval="\(Self.statusIntervalMilliseconds)" data-status-updates="0">
        <header>
        <h1>\(site)</h1>
        <p id="summary">\(escapeHTML(summary))</p>
        <p id="problem" class="problem" hidden></p>
        </header>
        <main id="displays">
        \(empty)\(tiles)
        </main>
        <script nonce="\(nonce)">\(Self.script)</script>
        </body>
        </html>

        """
    }

    /// Uptime and clock state in Japanese, as the script also writes it.
    private var summary: String {
        var parts = ["稼働 \(Self.japaneseDuration(status.uptimeSeconds))"]
        parts.append(status.clockTrusted ? "時計 正常" : "時計が不正確です（フォールバック表示中）")
        let broken = status.playlists.filter { !$0.errors.isEmpty }.count
        if broken > 0 { parts.append("エラーのあるプレイリスト \(broken) 件") }
        return parts.joined(separator: " · ")
    }

    private func tile(_ display: DisplayStatus) -> String {
        let name = escapeHTML(display.name)
        let source = escapeHTML(screenshotURL(display: display.name))
        let width = max(display.width, 1)
        let height = max(display.height, 1)
        // The frame box keeps the frame's aspect and is never taller than 70 % of the window,
        // so a portrait kiosk does not push the other tiles off screen.
        let box = "aspect-ratio: \(width) / \(height); width: min(100%, calc(70vh * \(width) / \(height)))"
        let items = Self.sortedZones(display.items).map { zone, item in
            "<dt>\(escapeHTML(zone))</dt><dd>\(escapeHTML(item))</dd>"
        }.joined()
        return """
        <section class="tile" data-display="\(name)">
        <h2><span class="name">\(name)</span> <span class="profile">\(escapeHTML(display.profile))</span></h2>
        <div class="screen" style="\(box)"><img class="frame" src="\(source)" alt="\(name) の現在の画面" \
        width="\(width)" height="\(height)" data-display="\(name)" data-loads="0" data-errors="0"></div>
        <dl class="items">\(items)</dl>
        <p class="state">\(escapeHTML(Self.stateLine(display)))</p>
        <p class="error"\(display.error == nil ? " hidden" : "")>\(escapeHTML(display.error ?? ""))</p>
        </section>
        """
    }

    private func screenshotURL(display: String) -> String {
        var url = "/v1/screenshot?display=" + Self.queryEncoded(display)
        if let token { url += "&token=" + Self.queryEncoded(token) }
        return url
    }

    /// `main` first, then the other zones by name.
    static func sortedZones(_ items: [String: String]) -> [(String, String)] {
        items.sorted { a, b in
            if (a.key == "main") != (b.key == "main") { return a.key == "main" }
            return a.key < b.key
        }.map { ($0.key, $0.value) }
    }

    static func stateLine(_ display: DisplayStatus) -> String {
        var parts = [display.powered ? "表示中" : "電源オフ",
                     String(format: "%.1f fps", display.frameRate),
                     "\(display.width)×\(display.height)",
                     display.output]
        if let brightness = display.brightnessPercent { parts.append(String(format: "輝度 %.0f%%", brightness)) }
        if let median = display.renderMillisecondsMedian, let p99 = display.renderMillisecondsP99 {
            parts.append(String(format: "描画 %.1f ms (p99 %.1f ms)", median, p99))
        }
        return parts.joined(separator: " · ")
    }

    static func japaneseDuration(_ seconds: Double) -> String {
        let total = Int(max(0, seconds.isFinite ? seconds : 0))
        let days = total / 86_400, hours = total % 86_400 / 3600, minutes = total % 3600 / 60
        if days > 0 { return "\(days)日 \(hours)時間 \(minutes)分" }
        if hours > 0 { return "\(hours)時間 \(minutes)分" }
        return "\(minutes)分 \(total % 60)秒"
    }

    static func queryEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A fresh value per response for the Content-Security-Policy nonce.
    static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }

    static let styleSheet = """
    :root { color-scheme: dark; font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; }
    body { margin: 0; background: #111418; color: #e8eaed; }
    header { padding: 12px 20px; border-bottom: 1px solid #2a2f36; }
    h1 { margin: 0; font-size: 1.4rem; }
    #summary { margin: 4px 0 0; color: #aeb4bc; }
    .problem { margin: 6px 0 0; color: #ffb4a8; white-space: pre-line; }
    main { display: grid; gap: 16px; padding: 16px 20px; align-items: start;
           grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); }
    .tile { background: #1b1f24; border: 1px solid #2a2f36; border-radius: 8px; padding: 12px; }
    .tile.stale .screen { outline: 2px solid #c5221f; }
    h2 { margin: 0 0 8px; font-size: 1.1rem; }
    .profile { font-size: 0.8rem; font-weight: normal; color: #aeb4bc; border: 1px solid #3c434c;
               border-radius: 4px; padding: 1px 6px; }
    .screen { margin: 0 auto; background: #000; }
    .frame { display: block; width: 100%; height: 100%; object-fit: contain; }
    .items { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0 0; }
    .items dt { color: #aeb4bc; }
    .items dd { margin: 0; overflow-wrap: anywhere; }
    .state { margin: 6px 0 0; color: #aeb4bc; font-size: 0.9rem; }
    .error { margin: 6px 0 0; color: #ffb4a8; }
    """

    static let script = #"""
    (() => {
      "use strict";
      const body = document.body;
      const token = body.dataset.token || new URLSearchParams(location.search).get("token") || "";
      const screenshotMs = Number(body.dataset.screenshotInterval) || 1000;
      const statusMs = Number(body.dataset.statusInterval) || 2000;
      const withToken = (path) =>
        token ? path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : path;

      // Timers wait while the tab is hidden, so a forgotten preview costs the box nothing.
      const parked = [];
      const later = (work, ms) => setTimeout(() => (document.hidden ? parked.push(work) : work()), ms);
      document.addEventListener("visibilitychange", () => {
        while (!document.hidden && parked.length > 0) parked.shift()();
      });

      let sequence = 0;
      for (const img of document.querySelectorAll("img.frame")) {
        const tile = img.closest(".tile");
        const display = img.dataset.display;
        const next = () => {
          sequence += 1;
          img.src = withToken("/v1/screenshot?display=" + encodeURIComponent(display) +
                              "&t=" + Date.now().toString(36) + "-" + sequence);
        };
        // The first image may have arrived before this script ran, with its load event still
        // queued: count each URL once, or two refresh chains would start.
        let settled = "";
        const once = (handler) => () => {
          if (settled === img.src) return;
          settled = img.src;
          handler();
        };
        const loaded = once(() => {
          img.dataset.loads = String(Number(img.dataset.loads) + 1);
          img.dataset.naturalWidth = String(img.naturalWidth);
          img.dataset.naturalHeight = String(img.naturalHeight);
          tile.classList.remove("stale");
          later(next, screenshotMs);
        });
        const failed = once(() => {
          img.dataset.errors = String(Number(img.dataset.errors) + 1);
          tile.classList.add("stale");
          later(next, screenshotMs * 2);
        });
        img.addEventListener("load", loaded);
        img.addEventListener("error", failed);
        if (img.complete) (img.naturalWidth > 0 ? loaded : failed)();
      }

      const japaneseDuration = (seconds) => {
        const total = Math.max(0, Math.floor(seconds));
        const days = Math.floor(total / 86400), hours = Math.floor(total % 86400 / 3600);
        const minutes = Math.floor(total % 3600 / 60);
        if (days > 0) return `${days}日 ${hours}時間 ${minutes}分`;
        if (hours > 0) return `${hours}時間 ${minutes}分`;
        return `${minutes}分 ${total % 60}秒`;
      };
      const stateLine = (d) => {
        const parts = [d.powered ? "表示中" : "電源オフ", `${d.frameRate.toFixed(1)} fps`,
                       `${d.width}×${d.height}`, d.output];
        if (d.brightnessPercent != null) parts.push(`輝度 ${Math.round(d.brightnessPercent)}%`);
        if (d.renderMillisecondsMedian != null && d.renderMillisecondsP99 != null) {
          parts.push(`描画 ${d.renderMillisecondsMedian.toFixed(1)} ms (p99 ${d.renderMillisecondsP99.toFixed(1)} ms)`);
        }
        return parts.join(" · ");
      };
      const zones = (items) => Object.keys(items).sort((a, b) =>
        a === "main" ? -1 : b === "main" ? 1 : a < b ? -1 : a > b ? 1 : 0);

      const problem = document.getElementById("problem");
      const showProblem = (text) => { problem.textContent = text; problem.hidden = !text; };
      const update = (status) => {
        const parts = [`稼働 ${japaneseDuration(status.uptimeSeconds)}`,
                       status.clockTrusted ? "時計 正常" : "時計が不正確です（フォールバック表示中）"];
        const broken = status.playlists.filter((p) => p.errors.length > 0);
        if (broken.length > 0) parts.push(`エラーのあるプレイリスト ${broken.length} 件`);
        document.getElementById("summary").textContent = parts.join(" · ");
        showProblem(broken.map((p) => p.errors.join("\n")).join("\n"));
        for (const d of status.displays) {
          const tile = [...document.querySelectorAll(".tile")].find((t) => t.dataset.display === d.name);
          if (!tile) continue;
          const list = tile.querySelector(".items");
          list.replaceChildren(...zones(d.items).flatMap((zone) => {
            const dt = document.createElement("dt");
            dt.textContent = zone;
            const dd = document.createElement("dd");
            dd.textContent = d.items[zone];
            return [dt, dd];
          }));
          tile.querySelector(".state").textContent = stateLine(d);
          const error = tile.querySelector(".error");
          error.textContent = d.error || "";
          error.hidden = !d.error;
        }
      };

      const refreshStatus = async () => {
        try {
          const response = await fetch(withToken("/v1/status"), { cache: "no-store" });
          const json = await response.json();
          if (!response.ok) throw new Error(json.error || `HTTP ${response.status}`);
          update(json);
          body.dataset.statusUpdates = String(Number(body.dataset.statusUpdates) + 1);
        } catch (error) {
          showProblem(`状態を取得できません: ${error.message}`);
        }
        later(refreshStatus, statusMs);
      };
      later(refreshStatus, statusMs);
    })();
    """#
}

/// Text safe inside HTML element content and quoted attribute values. Scalar by scalar, not
/// character by character: a quote followed by a combining mark is one Swift `Character` that
/// is not `"`, yet the browser still reads the quote.
func escapeHTML(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        default: escaped.unicodeScalars.append(scalar)
        }
    }
    return escaped
}
