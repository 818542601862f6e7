import Foundation
import MorphCatalog
import MorphImaging
import MorphTensor

/// The labelled faces a new branch learns from: aligned CelebA-layout images with one binary
/// attribute, read from a CelebA-layout folder (`list_attr_celeba.txt`, as `morph fixtures
/// toyfaces` writes too) or from any folder with a CSV of labels (`FolderReader`'s format:
/// file column first, then attribute columns of 1 / −1 / 0, an optional `split` column).
public struct HomoInterpBranchData: Sendable {
  /// Image files (absolute), in the set's order.
  public var files: [URL]
  /// 1 with the attribute, 0 without.
  public var labels: [Float]
  /// FNV-1a 64 of the files and labels: the checkpoint names the data it saw.
  public var hash: String

  /// Faces with the attribute, and without.
  public var counts: (with: Int, without: Int) {
    let with = labels.filter { $0 > 0.5 }.count
    return (with, labels.count - with)
  }

  /// Reads the labels of `attribute`: training faces only (CelebA splits 0 and 1; faces of no
  /// split count as training faces), those with a known label, the first `limit` of them (0:
  /// all). Throws, naming the file, for an unknown attribute, labels for images not in the
  /// folder, or a set with one class only.
  public init(directory: URL, labels csv: URL?, attribute: String, limit: Int = 0) throws {
    let annotations: DatasetAnnotations
    do {
      annotations = try csv.map { try FolderReader(folder: directory, attributesCSV: $0).read() }
        ?? CelebAReader(root: directory, annotationsOnly: true, extraAttributes: true).read()
    } catch {
      throw HomoInterpError.badTraining("cannot read the labelled faces in \(directory.path): \(error)")
    }
    let source = csv?.path ?? directory.appendingPathComponent("list_attr_celeba.txt").path
    guard let column = annotations.attributeNames.firstIndex(of: attribute) else {
      let names = annotations.attributeNames
      throw HomoInterpError.badTraining(
        "unknown attribute '\(attribute)': \(source) labels \(names.prefix(12).joined(separator: ", "))\(names.count > 12 ? ", …" : "")"
          + (NameSuggester.nearest(to: attribute, among: names).map { " (did you mean '\($0)'?)" } ?? ""))
    }
    let k = annotations.attributeNames.count
    let root = URL(fileURLWithPath: annotations.root)
    var files: [URL] = [], labels: [Float] = []
    for (i, file) in annotations.files.enumerated() where annotations.splits[i] != 2 {
      let value = annotations.values[i * k + column]
      guard value != 0 else { continue }
      files.append(root.appendingPathComponent(file))
      labels.append(value > 0 ? 1 : 0)
      if limit > 0, files.count == limit { break }
    }
    self.files = files
    self.labels = labels
    let text = zip(files, labels).map { "\($0.lastPathComponent) \($1)" }.joined(separator: "\n")
    hash = HomoInterpData.fnv1a64([Data(text.utf8)])
    let (with, without) = counts
    guard with > 0, without > 0 else {
      throw HomoInterpError.badTraining(
        "one class only: all \(files.count) labelled training faces in \(source) are "
          + "\(with > 0 ? "" : "not ")\(attribute); a branch learns the change from faces with and without it: "
          + "label some of each")
    }
  }

  /// The aligned images [N, 3, S, S] (CelebA crop, symmetric normalisation) of faces `range`.
  public func images(_ range: Range<Int>, size: Int) throws -> Tensor {
    let preprocessor = ImagePreprocessor(size: size, alignment: .celebaCrop, normalisation: .symmetric)
    let urls = Array(files[range])
    let (batch, errors) = try preprocessor.batch(urls, parallelism: 2)
    if let (i, error) = errors.enumerated().first(where: { $0.element != nil }) {
      throw HomoInterpError.badTraining("\(urls[i].path): \(error.map { "\($0)" } ?? "")")
    }
    return Tensor(shape: batch.shape, scalars: batch.data)
  }
}
