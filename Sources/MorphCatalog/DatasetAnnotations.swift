/// Everything an ingest parsed from a dataset's files, ready to be written in one transaction.
///
/// Values are stored flat (`files.count × attributeNames.count`) so that 200k rows cost a few
/// arrays rather than 200k small ones.
public struct DatasetAnnotations: Sendable {
  /// Dataset name in the catalog (unique); re-ingesting under the same name updates it.
  public var name: String
  /// `celeba` or `folder`.
  public var kind: String
  /// Absolute path of the dataset root; image paths are relative to it.
  public var root: String
  /// Attribute names in file order.
  public var attributeNames: [String] = []
  /// Image paths relative to `root`, in file order.
  public var files: [String] = []
  /// Row-major values: +1 positive, -1 negative, 0 unknown.
  public var values: [Int8] = []
  /// Per file: 0 train, 1 val, 2 test, -1 none.
  public var splits: [Int8] = []
  /// Per file: identity label or nil.
  public var identities: [Int?] = []
  /// 10 numbers per file (left eye, right eye, nose, left mouth, right mouth; x then y), or nil.
  public var landmarks: [Float]?
  /// Whether `landmarks` refer to the aligned images.
  public var landmarksAligned = true
  /// 4 numbers per file (x, y, width, height), or nil.
  public var boxes: [Float]?
  /// Per file: SHA-256 hex of the image, or nil when ingested from annotations only.
  public var contentHashes: [String?] = []
  /// Per file: size in bytes, or nil.
  public var byteSizes: [Int64?] = []

  public init(name: String, kind: String, root: String) {
    self.name = name
    self.kind = kind
    self.root = root
  }

  /// Split names by code.
  public static let splitNames = ["train", "val", "test"]
}
