/// What an alert feed's URL answered with (docs/alerts.md): an Atom index whose entries link to
/// CAP documents, one CAP document, or neither.
///
/// Pure: it looks only at the bytes it is given, so the feed poller and the fuzz harness share one
/// classification. It decides what a document *is*, not whether a CAP alert in it is valid:
/// that is ``CAPParser``'s business once the alert centre takes it.
public enum FeedDocument: Sendable, Equatable {
    /// An Atom feed; the `http(s)` CAP links of its entries, in document order.
    case atom([String])
    /// A document whose root is `<alert>`: one CAP message.
    case cap
    /// Not XML the reader accepts, or XML that is neither an Atom feed nor a CAP alert; says why.
    case unreadable(String)

    /// The Atom namespace a feed's root must be in.
    package static let atomNamespace = "http://www.w3.org/2005/Atom"

    /// The limits an index is read with: an index of many entries has far more elements than a
    /// CAP alert may, and a link-heavy one long text; the 1 MiB body limit and the time limit stay.
    package static let indexLimits = CAPLimits(elements: 200_000, valueBytes: 1_048_576)

    /// Classifies a fetched document: an Atom index (with its CAP links), a CAP alert, or neither.
    public static func classify(_ bytes: [UInt8]) -> FeedDocument {
        let root: XMLReader.Element
        do {
            root = try XMLReader.read(bytes, limits: indexLimits)
        } catch {
            return .unreadable(error.message)
        }
        if root.localName == "alert" { return .cap }
        guard let links = atomLinks(root) else {
            return .unreadable("the root element is <\(root.name)>")
        }
        return .atom(links)
    }

    /// The CAP links of an Atom index (`entry/link` with `type` application/cap+xml, or else the
    /// entry's first link), in order; nil when the document is not an Atom feed. Links that are
    /// not http or https are left out: a feed must not make the box open a local file.
    package static func atomLinks(_ root: XMLReader.Element) -> [String]? {
        guard root.localName == "feed", root.namespaceURI == atomNamespace else { return nil }
        var links: [String] = []
        for entry in root.children where entry.localName == "entry" {
            let candidates = entry.children.filter { $0.localName == "link" }
            let cap = candidates.first { $0.attributes.contains { $0.localName == "type" && $0.value.contains("cap") } }
                ?? candidates.first
            if let href = cap?.attributes.first(where: { $0.localName == "href" })?.value,
               href.lowercased().hasPrefix("http://") || href.lowercased().hasPrefix("https://") {
                links.append(href)
            }
        }
        return links
    }
}
