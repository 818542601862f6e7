import Foundation
import MorphCatalog

/// The query language: compiled against a vocabulary of 100 attributes (so words past the
/// first 62 attributes join their own table), then run on a catalog holding the fixture
/// faces, where the compiled SQL must execute: a query is refused only with a query error.
enum QueryFuzz {
  static let vocabulary = QueryVocabulary(
    attributeSlots: Dictionary(
      uniqueKeysWithValues: (CelebAFormat.attributeNames + (40..<100).map { "Extra_\($0)" }).enumerated().map {
        ($1, $0)
      }),
    groups: Dictionary(uniqueKeysWithValues: DefaultAttributeGroups.all.map { ($0.name, $0.attributes) }),
    datasets: ["celeba", "faces"])

  static let catalog: Catalog = {
    let faces = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Fixtures/faces")
    do {
      let catalog = try Catalog.inMemory()
      _ = try catalog.ingestCelebA(at: faces, annotationsOnly: true)
      return catalog
    } catch {
      fatalError("query fuzzing needs the fixture faces at \(faces.path): \(error)")
    }
  }()

  static func run(_ bytes: [UInt8]) {
    let source = String(decoding: bytes, as: UTF8.self)
    expectOnly(CatalogError.self) { _ = try QueryCompiler.compile(source, vocabulary: vocabulary) }
    do {
      _ = try catalog.query(source)
    } catch CatalogError.query {
    } catch {
      fatalError("query \(source.debugDescription) failed outside the query language: \(error)")
    }
  }
}
