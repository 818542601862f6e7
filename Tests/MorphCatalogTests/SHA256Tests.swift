import Crypto
import Foundation
import MorphCatalog
import XCTest

/// Pins the digests Morph records (content hashes, recipe hashes, artifact hashes) so a change of
/// SHA-256 provider cannot silently change every cache key and stored hash.
final class SHA256Tests: XCTestCase {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  // Known-answer vectors from FIPS 180-4 examples.
  func testKnownVectors() {
    XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  func testMillionAs() {
    XCTAssertEqual(
      SHA256.hex(String(repeating: "a", count: 1_000_000)),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  /// Digests of fixture files as `sha256sum` prints them (one file under 1 MiB, one read in chunks).
  func testFileDigestsMatchSha256sum() throws {
    XCTAssertEqual(
      try SHA256.hex(fileAt: Self.root.appendingPathComponent("Fixtures/faces/list_attr_celeba.txt")),
      "75878de645ec2e975fa32c49cf32e112e33f743cdb6872d1f8b0e22e70933f40")
    XCTAssertEqual(
      try SHA256.hex(fileAt: Self.root.appendingPathComponent("Fixtures/models/mtcnn.safetensors")),
      "03111fa92e6dec7b12c4bad42c3cdda58ef4a61b2a700a75306236b5cc829162")
  }

  func testMissingFileIsAnUnreadableError() {
    XCTAssertThrowsError(try SHA256.hex(fileAt: URL(fileURLWithPath: "/nonexistent/morph-sha256-test"))) { error in
      XCTAssertTrue("\(error)".contains("/nonexistent/morph-sha256-test"), "\(error)")
    }
  }

  /// Strings fed in uneven pieces give the digest of their concatenation (cache keys do this).
  func testStreamingStringsMatchOneShot() {
    var digest = SHA256()
    let pieces = ["morph-cache-v1\n", String(repeating: "x", count: 63), "", "é€😀\n", String(repeating: "y", count: 130)]
    for piece in pieces { digest.update(piece) }
    XCTAssertEqual(digest.finalize().hex, SHA256.hex(pieces.joined()))
  }
}
