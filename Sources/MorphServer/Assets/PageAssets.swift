/// The viewer's pages, served from the binary itself: plain HTML, CSS and JavaScript with no
/// build step, nothing fetched from elsewhere (the Content-Security-Policy header says so to
/// the browser too). Kept as Swift strings rather than SwiftPM resources so a copied `morph`
/// binary still carries them.
enum PageAssets {
  struct Asset {
    var text: String
    var contentType: String
  }

  static let assets: [String: Asset] = [
    "style.css": Asset(text: PageStyle.css, contentType: "text/css; charset=utf-8"),
    "common.js": Asset(text: CommonScript.js, contentType: "text/javascript; charset=utf-8"),
    "editor.js": Asset(text: EditorScript.js, contentType: "text/javascript; charset=utf-8"),
    "catalog.js": Asset(text: CatalogScript.js, contentType: "text/javascript; charset=utf-8"),
  ]

  static var names: [String] { assets.keys.sorted() }

  /// The asset with exactly this name (a lookup in a table: no file is read).
  static func asset(named name: String) -> Asset? { assets[name] }
}
