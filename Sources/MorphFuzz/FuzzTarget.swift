import Foundation

/// One reader under fuzzing: its name on the command line and a function of the raw input.
///
/// A reader may refuse any input, but only with its own typed error: a trap, a sanitizer
/// report, an allocation past libFuzzer's limit, or an error of another type is a finding.
struct FuzzTarget {
  var name: String
  var summary: String
  var run: ([UInt8]) -> Void

  static let all: [FuzzTarget] = [
    FuzzTarget(name: "recipe", summary: "RecipeParser.parse then RecipeValidator.validate", run: RecipeFuzz.run),
    FuzzTarget(
      name: "celeba-attributes", summary: "list_attr_celeba.txt / Kaggle .csv (CelebAReader.readAttributes)",
      run: CelebAFuzz.attributes),
    FuzzTarget(
      name: "celeba-landmarks", summary: "list_landmarks_align_celeba.txt / .csv (10 numbers per row)",
      run: CelebAFuzz.landmarks),
    FuzzTarget(
      name: "celeba-partition", summary: "list_eval_partition.txt / .csv and identity_CelebA.txt",
      run: CelebAFuzz.partition),
    FuzzTarget(name: "celeba-bbox", summary: "list_bbox_celeba.txt / .csv (4 numbers per row)", run: CelebAFuzz.boxes),
    FuzzTarget(name: "folder-csv", summary: "the attribute CSV of `ingest folder` (CSVTable)", run: CelebAFuzz.folderCSV),
    FuzzTarget(name: "safetensors", summary: "Safetensors.decode", run: TensorFileFuzz.safetensors),
    FuzzTarget(name: "torch", summary: "TorchCheckpoint.decode (zip and legacy .pth)", run: TensorFileFuzz.torch),
    FuzzTarget(
      name: "image", summary: "ImageLoader and a 64 px crop; for JPEGs also DirectJPEG (Exif parser, decode-and-warp)",
      run: ImageFuzz.run),
    FuzzTarget(
      name: "query", summary: "QueryParser + QueryCompiler, then the SQL run on a small catalog", run: QueryFuzz.run),
  ]
}

/// Runs `body`; an error that is not an `E` stops the fuzzer with the error's text.
func expectOnly<E: Error>(_ type: E.Type, _ body: () throws -> Void) {
  do { try body() } catch is E {} catch {
    fatalError("untyped error \(Swift.type(of: error)): \(error)")
  }
}
