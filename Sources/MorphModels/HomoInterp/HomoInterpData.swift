import Foundation
import MorphCatalog
import MorphImaging
import MorphTensor

/// One training face: where its image is and its attribute targets.
public struct HomoInterpFace: Sendable {
  /// Image path relative to the data directory.
  public var file: String
  /// CelebA split: 0 train, 1 validation, 2 test.
  public var partition: Int
  /// Targets in [0, 1], one per attribute of the data's groups, in group order.
  public var targets: [Float]
  /// The face's five landmarks in its photo, for unaligned sets (CelebA's `img_celeba/`);
  /// nil when the image is already aligned and gets the CelebA crop.
  public var landmarks: MorphImaging.FaceLandmarks?
}

/// The training images and attribute targets of a labelled face set in the CelebA layout:
/// - a synthetic set (written by `morph fixtures toyfaces`, recognised by its `params.csv`):
///   the renderer's attribute parameters in [0, 1] are (soft) targets;
/// - a CelebA-style set: `img_align_celeba/` with `list_attr_celeba.txt` (±1; 0 = unknown,
///   a target of ½) and, optionally, `list_eval_partition.txt`, read by the catalog's
///   `CelebAReader` (root, `Anno/`, `Eval/` and `Img/` as published); with only the
///   in-the-wild `img_celeba/`, each photo is aligned by its five landmarks from
///   `list_landmarks_celeba.txt` onto the aligned set's template.
/// Images get the CelebA crop (or landmark alignment), jitter and [−1, 1] normalisation.
public struct HomoInterpData: Sendable {
  public var directory: URL
  /// Training faces (CelebA splits 0 and 1; the test split is held out for evaluation).
  public var records: [HomoInterpFace]
  /// Held-out faces (test split) for sample sheets.
  public var heldOut: [HomoInterpFace]
  /// The groups restricted to attributes the set has.
  public var groups: [AttributeGroup]
  /// FNV-1a 64 of the label and partition files: checkpoints name the data they saw.
  public var hash: String
  public var preprocessor: ImagePreprocessor

  /// Reads a set; groups are intersected with the set's attributes (groups left empty are
  /// dropped). Throws when nothing is left to learn, naming the file at fault.
  public init(directory: URL, groups: [AttributeGroup], imageSize: Int, jitter: JitterOptions?, seed: UInt64) throws {
    self.directory = directory
    let synthetic = FileManager.default.fileExists(atPath: directory.appendingPathComponent("params.csv").path)
    let labels = try synthetic ? Self.syntheticLabels(directory) : Self.celebaLabels(directory)
    let known = Set(labels.attributeNames)
    self.groups = groups.compactMap { g in
      let kept = g.attributes.filter { known.contains($0) }
      return kept.isEmpty ? nil : AttributeGroup(name: g.name, attributes: kept)
    }
    guard !self.groups.isEmpty else {
      throw HomoInterpError.badTraining(
        "none of the attribute groups has an attribute of the face set in \(directory.path) "
          + "(its attributes: \(labels.attributeNames.prefix(8).joined(separator: ", "))…)")
    }
    let column = Dictionary(uniqueKeysWithValues: labels.attributeNames.enumerated().map { ($1, $0) })
    let members = self.groups.flatMap(\.attributes).compactMap { column[$0] }
    let all = labels.faces.map { face in
      HomoInterpFace(file: face.file, partition: face.partition, targets: members.map { face.values[$0] }, landmarks: face.landmarks)
    }
    records = all.filter { $0.partition != 2 }
    heldOut = all.filter { $0.partition == 2 }
    if records.isEmpty { records = all }
    guard records.count >= 2 else {
      throw HomoInterpError.badTraining("\(directory.path): the face set needs at least two training faces, has \(records.count)")
    }
    hash = labels.hash
    preprocessor = ImagePreprocessor(
      size: imageSize, alignment: all.contains { $0.landmarks != nil } ? .landmarks : .celebaCrop,
      jitter: jitter.map { Jitter(seed: seed, options: $0) },
      normalisation: .symmetric)
  }

  /// Every face of a set with its values for every attribute of the set, and the hash of the
  /// labels (checkpoints name the data they saw).
  struct Labels {
    var attributeNames: [String]
    var faces: [(file: String, partition: Int, values: [Float], landmarks: MorphImaging.FaceLandmarks?)]
    var hash: String
  }

  /// FNV-1a 64 over byte chunks, as `fnv1a64:<hex>`.
  static func fnv1a64<S: Sequence>(_ chunks: S) -> String where S.Element == Data {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for chunk in chunks {
      for b in chunk {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
      }
    }
    return String(format: "fnv1a64:%016llx", h)
  }

  static func syntheticLabels(_ directory: URL) throws -> Labels {
    let names = ToyFaceAttribute.allCases.map(\.rawValue)
    let faces = try ToyFaceSetReader.read(directory).map { r in
      (
        file: "img_align_celeba/" + r.name, partition: r.partition,
        values: ToyFaceAttribute.allCases.map { Float(min(max(r.parameters.attributes[$0.index], 0), 1)) },
        landmarks: MorphImaging.FaceLandmarks?.none
      )
    }
    // The raw files, as checkpoints of synthetic sets have always recorded them.
    let files = ["params.csv", "list_eval_partition.txt"].compactMap {
      try? BoundedFile.read(directory.appendingPathComponent($0), limit: ToyFaceSetReader.byteLimit)
    }
    return Labels(attributeNames: names, faces: faces, hash: fnv1a64(files))
  }

  static func celebaLabels(_ directory: URL) throws -> Labels {
    let annotations: DatasetAnnotations
    do {
      // Training reads any labels a CelebA-layout set brings; the groups name the ones it uses.
      annotations = try CelebAReader(root: directory, annotationsOnly: true, extraAttributes: true).read()
    } catch {
      throw HomoInterpError.badTraining(
        "\(directory.path) is neither a synthetic face set (no params.csv) nor a CelebA-style set: \(error)")
    }
    // Unaligned photos (img_celeba/) are aligned by their in-the-wild landmarks.
    let unaligned = annotations.files.contains { $0.hasPrefix("img_celeba/") }
    var landmarks: [MorphImaging.FaceLandmarks?] = Array(repeating: nil, count: annotations.files.count)
    if unaligned {
      guard let values = annotations.landmarks, !annotations.landmarksAligned else {
        throw HomoInterpError.badTraining(
          "\(directory.path): img_celeba/ holds unaligned photos; training aligns them by their landmarks, "
            + "which need list_landmarks_celeba.txt (or use img_align_celeba/)")
      }
      for i in landmarks.indices {
        do { landmarks[i] = try MorphImaging.FaceLandmarks(flat: values[(i * 10)..<(i * 10 + 10)]) } catch {
          throw HomoInterpError.badTraining("\(directory.path): landmarks of \(annotations.files[i]): \(error)")
        }
      }
    }
    let k = annotations.attributeNames.count
    let faces = annotations.files.enumerated().map { i, file in
      // ±1 → 1 / 0; 0 (unknown) → ½.
      (
        file: file, partition: max(0, Int(annotations.splits[i])),
        values: (0..<k).map { (Float(annotations.values[i * k + $0]) + 1) / 2 }, landmarks: landmarks[i]
      )
    }
    // What was parsed, not the files again (a CelebA attribute list is 26 MB). Landmarks
    // count only where they place the crop.
    var parsed = [
      Data(annotations.attributeNames.joined(separator: " ").utf8), Data(annotations.files.joined(separator: "\n").utf8),
      annotations.values.withUnsafeBytes { Data($0) }, annotations.splits.withUnsafeBytes { Data($0) },
    ]
    if unaligned, let values = annotations.landmarks { parsed.append(values.withUnsafeBytes { Data($0) }) }
    return Labels(attributeNames: annotations.attributeNames, faces: faces, hash: fnv1a64(parsed))
  }

  /// The mild geometric jitter used by default: the evaluation faces are aligned, training
  /// faces are shifted by up to ±2 px at 64 px, zoomed ±3 % and rotated ±2°.
  public static let defaultJitter = JitterOptions(
    maxShift: 0.03, scale: 0.97...1.03, maxRotationDegrees: 2, flipProbability: 0, maxBrightness: 0, maxContrast: 0)

  public func imageURL(_ face: HomoInterpFace) -> URL {
    directory.appendingPathComponent(face.file)
  }

  /// Attribute targets [N, totalAttributes] in group order.
  public func targets(_ chosen: [HomoInterpFace]) -> Tensor {
    let count = groups.reduce(0) { $0 + $1.attributes.count }
    return Tensor(shape: [chosen.count, count], scalars: chosen.flatMap(\.targets))
  }

  /// Images [N, 3, S, S] of `chosen`; jitter item numbers start at `firstItem`.
  public func images(_ chosen: [HomoInterpFace], firstItem: Int, jittered: Bool = true) throws -> Tensor {
    var p = preprocessor
    if !jittered { p.jitter = nil }
    let landmarks = p.alignment == .landmarks ? chosen.map(\.landmarks) : nil
    let (batch, errors) = try p.batch(chosen.map(imageURL), firstItem: firstItem, landmarks: landmarks, parallelism: 2)
    if let (i, error) = errors.enumerated().first(where: { $0.element != nil }) {
      throw HomoInterpError.badTraining("\(imageURL(chosen[i]).path): \(error.map { "\($0)" } ?? "")")
    }
    return Tensor(shape: batch.shape, scalars: batch.data)
  }
}
