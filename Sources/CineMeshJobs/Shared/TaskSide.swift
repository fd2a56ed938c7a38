/// The side of the model a task over one grid line solves: the users of a grid row or the
/// items of a grid column (`side` on the wire).
enum TaskSide: String, Codable, Sendable {
    case user, item

    /// The side of grid rows, or of grid columns.
    init(users: Bool) { self = users ? .user : .item }

    /// Whether it is the users' side.
    var isUsers: Bool { self == .user }
}
