public import Foundation

/// A CAP 1.2 alert message (OASIS, `urn:oasis:names:tc:emergency:cap:1.2`), as read and
/// validated: every value the standard constrains is already checked (docs/alerts.md).
public struct CAPAlert: Sendable, Equatable {
    public var identifier: String
    public var sender: String
    public var sent: CAPDateTime
    public var status: CAPStatus
    public var msgType: CAPMessageType
    public var source: String?
    public var scope: CAPScope
    /// Only with `scope` Restricted.
    package var restriction: String?
    /// Only with `scope` Private (space-separated, quoted when they contain spaces).
    package var addresses: String?
    package var codes: [String]
    package var note: String?
    /// What an Update or Cancel refers to; required for those.
    public var references: [CAPReference]
    package var incidents: String?
    package var infos: [CAPInfo]

    package init(identifier: String, sender: String, sent: CAPDateTime, status: CAPStatus, msgType: CAPMessageType,
                source: String? = nil, scope: CAPScope, restriction: String? = nil, addresses: String? = nil,
                codes: [String] = [], note: String? = nil, references: [CAPReference] = [], incidents: String? = nil,
                infos: [CAPInfo] = []) {
        self.identifier = identifier
        self.sender = sender
        self.sent = sent
        self.status = status
        self.msgType = msgType
        self.source = source
        self.scope = scope
        self.restriction = restriction
        self.addresses = addresses
        self.codes = codes
        self.note = note
        self.references = references
        self.incidents = incidents
        self.infos = infos
    }

    /// The triplet other messages use to refer to this one.
    package var reference: CAPReference { CAPReference(sender: sender, identifier: identifier, sent: sent.text) }
}

/// A CAP date-time, `YYYY-MM-DDThh:mm:ss±hh:mm`: the instant, and the text as written (which is
/// what `references` repeat, byte for byte).
public struct CAPDateTime: Sendable, Equatable, Hashable {
    public var date: Date
    public var text: String
    package init(date: Date, text: String) {
        self.date = date
        self.text = text
    }
}

/// `sender,identifier,sent`: one message an Update or Cancel refers to.
public struct CAPReference: Sendable, Equatable, Hashable {
    public var sender: String
    public var identifier: String
    /// The referenced message's `sent`, as written.
    public var sent: String
    package init(sender: String, identifier: String, sent: String) {
        self.sender = sender
        self.identifier = identifier
        self.sent = sent
    }
}

public enum CAPStatus: String, Sendable, Equatable, CaseIterable {
    case actual = "Actual", exercise = "Exercise", system = "System", test = "Test", draft = "Draft"
}

public enum CAPMessageType: String, Sendable, Equatable, CaseIterable {
    case alert = "Alert", update = "Update", cancel = "Cancel", ack = "Ack", error = "Error"
}

public enum CAPScope: String, Sendable, Equatable, CaseIterable {
    case `public` = "Public", restricted = "Restricted", `private` = "Private"
}

public enum CAPCategory: String, Sendable, Equatable, CaseIterable {
    case geo = "Geo", met = "Met", safety = "Safety", security = "Security", rescue = "Rescue", fire = "Fire",
         health = "Health", env = "Env", transport = "Transport", infra = "Infra", cbrne = "CBRNE", other = "Other"
}

public enum CAPResponseType: String, Sendable, Equatable, CaseIterable {
    case shelter = "Shelter", evacuate = "Evacuate", prepare = "Prepare", execute = "Execute", avoid = "Avoid",
         monitor = "Monitor", assess = "Assess", allClear = "AllClear", none = "None"
}

public enum CAPUrgency: String, Sendable, Equatable, CaseIterable {
    case immediate = "Immediate", expected = "Expected", future = "Future", past = "Past", unknown = "Unknown"
}

public enum CAPSeverity: String, Sendable, Equatable, CaseIterable {
    case extreme = "Extreme", severe = "Severe", moderate = "Moderate", minor = "Minor", unknown = "Unknown"
}

public enum CAPCertainty: String, Sendable, Equatable, CaseIterable {
    case observed = "Observed", likely = "Likely", possible = "Possible", unlikely = "Unlikely", unknown = "Unknown"
}

/// A `valueName` / `value` pair (`eventCode`, `parameter`, `geocode`).
public struct CAPValuePair: Sendable, Equatable {
    package var valueName: String
    public var value: String
    package init(valueName: String, value: String) {
        self.valueName = valueName
        self.value = value
    }
}

/// One `info` block: the message in one language.
public struct CAPInfo: Sendable, Equatable {
    /// RFC 3066 language tag; `en-US` when the element is absent, as the standard says.
    public var language: String
    package var categories: [CAPCategory]
    public var event: String
    package var responseTypes: [CAPResponseType]
    public var urgency: CAPUrgency
    public var severity: CAPSeverity
    public var certainty: CAPCertainty
    package var audience: String?
    package var eventCodes: [CAPValuePair]
    package var effective: CAPDateTime?
    package var onset: CAPDateTime?
    public var expires: CAPDateTime?
    package var senderName: String?
    public var headline: String?
    public var description: String?
    package var instruction: String?
    package var web: String?
    package var contact: String?
    package var parameters: [CAPValuePair]
    package var resources: [CAPResource]
    package var areas: [CAPArea]

    package init(language: String = "en-US", categories: [CAPCategory], event: String, responseTypes: [CAPResponseType] = [],
                urgency: CAPUrgency, severity: CAPSeverity, certainty: CAPCertainty, audience: String? = nil,
                eventCodes: [CAPValuePair] = [], effective: CAPDateTime? = nil, onset: CAPDateTime? = nil,
                expires: CAPDateTime? = nil, senderName: String? = nil, headline: String? = nil, description: String? = nil,
                instruction: String? = nil, web: String? = nil, contact: String? = nil, parameters: [CAPValuePair] = [],
                resources: [CAPResource] = [], areas: [CAPArea] = []) {
        self.language = language
        self.categories = categories
        self.event = event
        self.responseTypes = responseTypes
        self.urgency = urgency
        self.severity = severity
        self.certainty = certainty
        self.audience = audience
        self.eventCodes = eventCodes
        self.effective = effective
        self.onset = onset
        self.expires = expires
        self.senderName = senderName
        self.headline = headline
        self.description = description
        self.instruction = instruction
        self.web = web
        self.contact = contact
        self.parameters = parameters
        self.resources = resources
        self.areas = areas
    }
}

/// A `resource`: a file that goes with the message (only described; Oshirase never fetches it).
public struct CAPResource: Sendable, Equatable {
    package var resourceDesc: String
    package var mimeType: String
    public var size: Int?
    package var uri: String?
    package var digest: String?
    package init(resourceDesc: String, mimeType: String, size: Int? = nil, uri: String? = nil, digest: String? = nil) {
        self.resourceDesc = resourceDesc
        self.mimeType = mimeType
        self.size = size
        self.uri = uri
        self.digest = digest
    }
}

/// A WGS 84 point.
public struct CAPPoint: Sendable, Equatable {
    package var latitude: Double
    package var longitude: Double
    package init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// `lat,lon radius`: a circle with its radius in kilometres.
public struct CAPCircle: Sendable, Equatable {
    package var center: CAPPoint
    package var radiusKilometres: Double
    package init(center: CAPPoint, radiusKilometres: Double) {
        self.center = center
        self.radiusKilometres = radiusKilometres
    }
}

/// An `area` an info block applies to.
public struct CAPArea: Sendable, Equatable {
    package var areaDesc: String
    /// Closed rings (first point repeated last), at least 4 points each.
    package var polygons: [[CAPPoint]]
    package var circles: [CAPCircle]
    package var geocodes: [CAPValuePair]
    package var altitude: Double?
    package var ceiling: Double?
    package init(areaDesc: String, polygons: [[CAPPoint]] = [], circles: [CAPCircle] = [], geocodes: [CAPValuePair] = [],
                altitude: Double? = nil, ceiling: Double? = nil) {
        self.areaDesc = areaDesc
        self.polygons = polygons
        self.circles = circles
        self.geocodes = geocodes
        self.altitude = altitude
        self.ceiling = ceiling
    }
}
