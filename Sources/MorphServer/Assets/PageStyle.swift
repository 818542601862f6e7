extension PageAssets {
  /// Styles of both pages.
  enum PageStyle {
    static let css = #"""
      :root { --ink: #1d2330; --muted: #6b7280; --line: #d8dde6; --accent: #2f6fed; --bg: #f6f7f9; }
      * { box-sizing: border-box; }
      body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--ink); background: var(--bg); }
      header { display: flex; gap: 1.5em; align-items: baseline; padding: .6em 1.2em; background: #fff; border-bottom: 1px solid var(--line); }
      header h1 { font-size: 1.2em; margin: 0; }
      nav a { margin-right: 1em; color: var(--accent); text-decoration: none; }
      nav a.here { font-weight: 600; color: var(--ink); }
      main { display: grid; gap: 1em; padding: 1em; }
      main.editor { grid-template-columns: minmax(260px, 1fr) minmax(300px, 1.2fr) minmax(260px, 1fr); }
      main.catalog { grid-template-columns: 2fr 1fr; }
      .panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .8em 1em; min-width: 0; }
      h2 { font-size: 1.05em; margin: .2em 0 .5em; }
      h3 { font-size: .95em; margin: 1em 0 .4em; }
      .muted { color: var(--muted); }
      .row { display: flex; gap: .4em; flex-wrap: wrap; align-items: center; margin: .4em 0; }
      .row input[type=text] { flex: 1; min-width: 10em; }
      input[type=number] { width: 4.5em; }
      button { padding: .3em .7em; border: 1px solid var(--line); border-radius: 4px; background: #fff; cursor: pointer; }
      button:hover { border-color: var(--accent); }
      .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(100px, 1fr)); gap: .5em; }
      .grid.small { grid-template-columns: repeat(auto-fill, minmax(72px, 1fr)); }
      .tile { border: 1px solid var(--line); border-radius: 4px; padding: 3px; text-align: center; font-size: 12px; background: #fff; overflow: hidden; }
      .tile img { width: 100%; display: block; cursor: pointer; }
      .tile.chosen { outline: 2px solid var(--accent); }
      .tile.ref { outline: 2px dashed #d97706; }
      .tile .name { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
      .tile button { font-size: 11px; padding: 0 .4em; }
      .pair { display: flex; gap: 1em; justify-content: center; flex-wrap: wrap; }
      figure { margin: 0; text-align: center; }
      img.pixels { display: block; width: 224px; height: 224px; image-rendering: pixelated; background: #e5e7eb; border-radius: 4px; color: transparent; }
      .slider { display: grid; grid-template-columns: 8em 1fr 3em; gap: .4em; align-items: center; margin: .25em 0; }
      .slider.residual { grid-template-columns: 8em 1fr 4em; }
      .slider output { text-align: right; font-variant-numeric: tabular-nums; }
      .slider label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .buttons { justify-content: center; }
      pre.command { white-space: pre-wrap; word-break: break-all; background: #f3f4f6; padding: .5em; border-radius: 4px; min-height: 1.5em; font-size: 12px; }
      .status { color: var(--muted); min-height: 1.4em; }
      .status.error { color: #b91c1c; }
      table { border-collapse: collapse; width: 100%; font-size: 13px; }
      th, td { border-bottom: 1px solid var(--line); padding: .2em .4em; text-align: left; }
      tr.run { cursor: pointer; }
      tr.run:hover { background: #eef2ff; }
      .artifacts img { max-width: 100%; border: 1px solid var(--line); margin: .3em 0; }
      .metrics { max-height: 18em; overflow: auto; }
      """#
  }
}
