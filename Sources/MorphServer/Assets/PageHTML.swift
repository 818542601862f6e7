extension PageAssets {
  /// The editor: pick a face and a reference, move a slider per attribute group.
  static let editorHTML = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Morph — editor</title>
    <link rel="stylesheet" href="/assets/style.css">
    </head>
    <body>
    <header>
      <h1>Morph</h1>
      <nav><a href="/" class="here">Editor</a> <a href="/catalog">Catalog</a></nav>
      <span id="checkpoint" class="muted"></span>
    </header>
    <main class="editor">
      <section class="panel" id="pick">
        <h2>Face</h2>
        <p class="muted">Click a face to edit it, or <em>ref</em> to move toward it.</p>
        <div id="folder-faces" class="grid small"></div>
        <h3>Upload a photo</h3>
        <div class="row">
          <input type="file" id="upload" accept="image/*">
          <select id="upload-align">
            <option value="detect">find faces</option>
            <option value="auto">whole image (auto)</option>
            <option value="celeba-crop">celeba-crop</option>
            <option value="centre-crop">centre-crop</option>
          </select>
        </div>
        <div id="uploaded-faces" class="grid small"></div>
        <h2>Reference</h2>
        <div id="reference-label" class="muted">none yet: pick a face as ref, or use a catalog query</div>
        <div class="row">
          <select id="reference-kind">
            <option value="query">catalog query</option>
            <option value="prototype">attribute prototype</option>
          </select>
          <input type="text" id="reference-query" placeholder="Smiling AND NOT Male">
          <input type="number" id="reference-n" value="8" min="1" max="64" title="images averaged">
          <button id="reference-set">Use</button>
        </div>
      </section>
      <section class="panel" id="view">
        <div class="pair">
          <figure><img id="face-image" alt="face" class="pixels"><figcaption id="face-label">no face yet</figcaption></figure>
          <figure><img id="edit-image" alt="edit" class="pixels" data-render-count="0" data-pending="0"><figcaption>edit</figcaption></figure>
        </div>
        <div class="row buttons">
          <button id="save-edit">Save edit</button>
          <button id="save-sweep">Save sweep sheet</button>
          <button id="save-gif">Save GIF</button>
          <button id="save-webp">Save WebP</button>
          <button id="copy-command">Copy command</button>
        </div>
        <pre id="command" class="command"></pre>
        <ul id="saved"></ul>
        <div id="status" class="status"></div>
      </section>
      <section class="panel" id="sliders">
        <h2>Strengths</h2>
        <div id="group-sliders"></div>
        <div class="slider residual">
          <label for="residual">residual</label>
          <input type="range" id="residual" min="0" max="2" step="0.05" value="0" disabled>
          <label class="auto"><input type="checkbox" id="residual-auto" checked> auto</label>
        </div>
        <button id="reset">Reset</button>
      </section>
    </main>
    <script src="/assets/common.js"></script>
    <script src="/assets/editor.js"></script>
    </body>
    </html>
    """#

  /// The catalog: attribute queries with paging, nearest neighbours, runs.
  static let catalogHTML = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Morph — catalog</title>
    <link rel="stylesheet" href="/assets/style.css">
    </head>
    <body>
    <header>
      <h1>Morph</h1>
      <nav><a href="/">Editor</a> <a href="/catalog" class="here">Catalog</a></nav>
      <span id="catalog-path" class="muted"></span>
    </header>
    <main class="catalog">
      <section class="panel">
        <h2>Images</h2>
        <form id="query-form" class="row">
          <input type="text" id="query" placeholder="Smiling AND NOT Male (empty = every image)">
          <select id="split"><option value="">all splits</option><option>train</option><option>val</option><option>test</option></select>
          <button type="submit">Query</button>
        </form>
        <div class="row pager">
          <button id="prev">◀</button><span id="page-label"></span><button id="next">▶</button>
        </div>
        <div id="results" class="grid"></div>
        <h2 id="nearest-title">Nearest neighbours</h2>
        <p class="muted" id="nearest-note">Pick “near” on an image.</p>
        <div id="nearest" class="grid"></div>
      </section>
      <section class="panel">
        <h2>Runs</h2>
        <table id="runs"><thead><tr><th>run</th><th>recipe</th><th>status</th><th>items</th><th>started</th></tr></thead><tbody></tbody></table>
        <div id="run-detail"></div>
        <h3>Catalog</h3>
        <div id="summary" class="muted"></div>
      </section>
      <div id="status" class="status"></div>
    </main>
    <script src="/assets/common.js"></script>
    <script src="/assets/catalog.js"></script>
    </body>
    </html>
    """#
}
