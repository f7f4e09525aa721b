import DjinitProbe
import DjinitSettings

extension ProbeResponse {
    /// `404` listing the endpoints there are, for a path no probe serves.
    static let unknownEndpoint = ProbeResponse(
        status: 404, body: "not found; try " + ProbeEndpoint.allCases.map(\.rawValue).joined(separator: ", ") + "\n")
}
