import GRDB

/// The catalog schema, changed only by appending numbered migrations (never edit a shipped one).
///
/// Tables (see DESIGN.md §5):
/// - `dataset`: one row per ingested dataset (name, kind, root folder, ingest time).
/// - `image`: one row per image: dataset, path relative to the root, SHA-256 content hash
///   (NULL when ingested with annotations only), byte size, split (`train`/`val`/`test`), identity,
///   and packed word 0 of its attribute values (`attr_present`, `attr_positive`, see below).
/// - `attribute`: every attribute name any dataset brought; `slot` places it in the packed words.
/// - `dataset_attribute`: which attributes a dataset carries, in file order.
/// - Attribute values are packed 62 per word: bit `slot % 62` of word `slot / 62` is set in
///   `present` when the value is known and in `positive` when it is +1. Word 0 (the first 62
///   attributes — all of CelebA's) lives in the image row so queries scan one table;
///   `image_attribute_word` holds words 1 and up. The view `image_attribute` unpacks both to
///   (image_id, attribute_id, attribute, value ∈ {1, -1}).
/// - `attribute_group`, `attribute_group_member`: named groups (the nine defaults ship seeded).
/// - `landmark`: five facial points per image (`aligned` tells which image set they refer to).
/// - `bbox`: face boxes of in-the-wild CelebA images.
/// - `model`, `latent`: latent tensors per (image, model) with dtype, shape, data and a pooled
///   Float32 vector plus its L2 norm for cosine search.
/// - `run`, `stage_result`, `metric`, `artifact`: what the scheduler records.
/// - `run.shard_index`/`shard_count` say which shard a run was (`morph run --shard K/N`);
///   `run.uid` names a run across catalogs, so `morph catalog merge` adds each run once.
/// - `face_scan`, `face`: what a face detector found in an image (`Catalog+Faces`): one scan
///   row per (image, detector) with the face count — 0 records a photo without a face — and
///   one row per face with its box, score and five landmarks in the image's pixels.
public enum CatalogSchema {
  /// Number of attribute bits per packed word (kept below 63 so values stay positive).
  public static let bitsPerWord = 62

  /// The migrator holding every migration in order.
  public static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("0001-datasets-images-attributes") { try createDatasets($0) }
    migrator.registerMigration("0002-models-latents") { try createLatents($0) }
    migrator.registerMigration("0003-runs") { try createRuns($0) }
    migrator.registerMigration("0004-faces") { try createFaces($0) }
    migrator.registerMigration("0005-run-owner-interrupted") { try addRunOwner($0) }
    migrator.registerMigration("0006-run-shards") { try addRunShards($0) }
    return migrator
  }

  /// Names of the migrations, in order (for diagnostics).
  public static var migrationNames: [String] { migrator.migrations }

  static func createDatasets(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE dataset (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          kind TEXT NOT NULL,
          root TEXT NOT NULL,
          ingested_at TEXT NOT NULL
        );
        CREATE TABLE image (
          id INTEGER PRIMARY KEY,
          dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
          path TEXT NOT NULL,
          content_hash TEXT,
          byte_size INTEGER,
          split TEXT CHECK (split IN ('train', 'val', 'test')),
          identity INTEGER,
          attr_present INTEGER NOT NULL DEFAULT 0,
          attr_positive INTEGER NOT NULL DEFAULT 0,
          UNIQUE (dataset_id, path)
        );
        CREATE INDEX image_content_hash ON image(content_hash);
        CREATE INDEX image_split ON image(split);
        CREATE TABLE attribute (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          slot INTEGER NOT NULL UNIQUE
        );
        CREATE TABLE dataset_attribute (
          dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
          attribute_id INTEGER NOT NULL REFERENCES attribute(id),
          position INTEGER NOT NULL,
          PRIMARY KEY (dataset_id, attribute_id)
        ) WITHOUT ROWID;
        CREATE TABLE image_attribute_word (
          image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
          word INTEGER NOT NULL,
          present INTEGER NOT NULL,
          positive INTEGER NOT NULL,
          PRIMARY KEY (image_id, word)
        ) WITHOUT ROWID;
        CREATE VIEW image_attribute AS
          SELECT i.id AS image_id, a.id AS attribute_id, a.name AS attribute,
                 CASE WHEN (i.attr_positive >> a.slot) & 1 THEN 1 ELSE -1 END AS value
          FROM image i JOIN attribute a ON a.slot < 62
          WHERE (i.attr_present >> a.slot) & 1
          UNION ALL
          SELECT w.image_id, a.id, a.name,
                 CASE WHEN (w.positive >> (a.slot % 62)) & 1 THEN 1 ELSE -1 END
          FROM image_attribute_word w
          JOIN attribute a ON a.slot / 62 = w.word
          WHERE (w.present >> (a.slot % 62)) & 1;
        CREATE TABLE attribute_group (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          position INTEGER NOT NULL
        );
        CREATE TABLE attribute_group_member (
          group_id INTEGER NOT NULL REFERENCES attribute_group(id) ON DELETE CASCADE,
          attribute_name TEXT NOT NULL,
          position INTEGER NOT NULL,
          PRIMARY KEY (group_id, attribute_name)
        ) WITHOUT ROWID;
        CREATE TABLE landmark (
          image_id INTEGER PRIMARY KEY REFERENCES image(id) ON DELETE CASCADE,
          aligned INTEGER NOT NULL,
          left_eye_x REAL NOT NULL, left_eye_y REAL NOT NULL,
          right_eye_x REAL NOT NULL, right_eye_y REAL NOT NULL,
          nose_x REAL NOT NULL, nose_y REAL NOT NULL,
          left_mouth_x REAL NOT NULL, left_mouth_y REAL NOT NULL,
          right_mouth_x REAL NOT NULL, right_mouth_y REAL NOT NULL
        );
        CREATE TABLE bbox (
          image_id INTEGER PRIMARY KEY REFERENCES image(id) ON DELETE CASCADE,
          x REAL NOT NULL, y REAL NOT NULL, width REAL NOT NULL, height REAL NOT NULL
        );
        """)
    // Seed the nine default groups of DESIGN.md §2.
    for (position, group) in DefaultAttributeGroups.all.enumerated() {
      try db.execute(
        sql: "INSERT INTO attribute_group (name, position) VALUES (?, ?)", arguments: [group.name, position])
      let groupID = db.lastInsertedRowID
      for (index, name) in group.attributes.enumerated() {
        try db.execute(
          sql: "INSERT INTO attribute_group_member (group_id, attribute_name, position) VALUES (?, ?, ?)",
          arguments: [groupID, name, index])
      }
    }
  }

  static func createLatents(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE model (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          kind TEXT NOT NULL,
          weights_hash TEXT,
          config TEXT NOT NULL DEFAULT '{}',
          created_at TEXT NOT NULL
        );
        -- A rowid table with the pooled vector before the tensor: a 512-d pooled vector stays on
        -- the row's own page and the nearest-neighbour scan never reads the tensor's overflow pages.
        CREATE TABLE latent (
          id INTEGER PRIMARY KEY,
          model_id INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
          image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
          dtype TEXT NOT NULL CHECK (dtype IN ('float16', 'float32')),
          shape TEXT NOT NULL,
          pooled_norm REAL NOT NULL,
          pooled BLOB NOT NULL,
          data BLOB NOT NULL,
          created_at TEXT NOT NULL,
          UNIQUE (model_id, image_id)
        );
        CREATE INDEX latent_image ON latent(image_id);
        """)
  }

  /// Records which process owns a run (`owner`, see `RunOwner`) and allows the status
  /// `interrupted` for a run whose process died without finishing it. SQLite cannot change a
  /// CHECK constraint in place, so the table is rebuilt (GRDB runs migrations with foreign
  /// keys off and checks them afterwards; the ids, and so every reference, are kept).
  static func addRunOwner(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE run_new (
          id INTEGER PRIMARY KEY,
          recipe_name TEXT NOT NULL,
          recipe_text TEXT NOT NULL,
          recipe_hash TEXT NOT NULL,
          parameters TEXT NOT NULL,
          morph_version TEXT NOT NULL,
          host TEXT NOT NULL,
          started_at TEXT NOT NULL,
          ended_at TEXT,
          status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
          item_count INTEGER NOT NULL DEFAULT 0,
          error TEXT,
          owner TEXT
        );
        INSERT INTO run_new (id, recipe_name, recipe_text, recipe_hash, parameters, morph_version, host, started_at,
          ended_at, status, item_count, error)
        SELECT id, recipe_name, recipe_text, recipe_hash, parameters, morph_version, host, started_at,
          ended_at, status, item_count, error FROM run;
        DROP TABLE run;
        ALTER TABLE run_new RENAME TO run;
        CREATE INDEX run_recipe_hash ON run(recipe_hash);
        CREATE INDEX run_status ON run(status);
        """)
  }

  static func createRuns(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE run (
          id INTEGER PRIMARY KEY,
          recipe_name TEXT NOT NULL,
          recipe_text TEXT NOT NULL,
          recipe_hash TEXT NOT NULL,
          parameters TEXT NOT NULL,
          morph_version TEXT NOT NULL,
          host TEXT NOT NULL,
          started_at TEXT NOT NULL,
          ended_at TEXT,
          status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
          item_count INTEGER NOT NULL DEFAULT 0,
          error TEXT
        );
        CREATE INDEX run_recipe_hash ON run(recipe_hash);
        CREATE TABLE stage_result (
          id INTEGER PRIMARY KEY,
          run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
          stage TEXT NOT NULL,
          item TEXT NOT NULL,
          cache_key TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'cached', 'skipped')),
          error TEXT,
          duration_seconds REAL NOT NULL,
          output TEXT,
          recorded_at TEXT NOT NULL
        );
        CREATE INDEX stage_result_run ON stage_result(run_id);
        CREATE INDEX stage_result_cache_key ON stage_result(cache_key);
        CREATE TABLE metric (
          id INTEGER PRIMARY KEY,
          run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          value REAL NOT NULL,
          stage TEXT,
          item TEXT,
          step INTEGER,
          recorded_at TEXT NOT NULL
        );
        CREATE INDEX metric_run ON metric(run_id, name);
        CREATE TABLE artifact (
          id INTEGER PRIMARY KEY,
          run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
          path TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          byte_size INTEGER NOT NULL,
          stage TEXT,
          item TEXT,
          cache_key TEXT,
          recorded_at TEXT NOT NULL
        );
        CREATE INDEX artifact_run ON artifact(run_id);
        CREATE INDEX artifact_cache_key ON artifact(cache_key);
        """)
  }

  static func createFaces(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE face_scan (
          image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
          detector TEXT NOT NULL,
          face_count INTEGER NOT NULL CHECK (face_count >= 0),
          width INTEGER NOT NULL,
          height INTEGER NOT NULL,
          run_id INTEGER REFERENCES run(id) ON DELETE SET NULL,
          scanned_at TEXT NOT NULL,
          PRIMARY KEY (image_id, detector)
        ) WITHOUT ROWID;
        CREATE TABLE face (
          image_id INTEGER NOT NULL,
          detector TEXT NOT NULL,
          face_index INTEGER NOT NULL CHECK (face_index >= 0),
          x0 REAL NOT NULL, y0 REAL NOT NULL, x1 REAL NOT NULL, y1 REAL NOT NULL,
          score REAL NOT NULL,
          left_eye_x REAL NOT NULL, left_eye_y REAL NOT NULL,
          right_eye_x REAL NOT NULL, right_eye_y REAL NOT NULL,
          nose_x REAL NOT NULL, nose_y REAL NOT NULL,
          left_mouth_x REAL NOT NULL, left_mouth_y REAL NOT NULL,
          right_mouth_x REAL NOT NULL, right_mouth_y REAL NOT NULL,
          run_id INTEGER REFERENCES run(id) ON DELETE SET NULL,
          PRIMARY KEY (image_id, detector, face_index),
          FOREIGN KEY (image_id, detector) REFERENCES face_scan(image_id, detector) ON DELETE CASCADE
        ) WITHOUT ROWID;
        """)
  }

  static func addRunShards(_ db: Database) throws {
    try db.execute(
      sql: """
        ALTER TABLE run ADD COLUMN shard_index INTEGER CHECK (shard_index >= 0);
        ALTER TABLE run ADD COLUMN shard_count INTEGER CHECK (shard_count >= 1);
        ALTER TABLE run ADD COLUMN uid TEXT;
        UPDATE run SET uid = lower(hex(randomblob(16)));
        CREATE UNIQUE INDEX run_uid ON run(uid);
        """)
  }
}
