extension PageAssets {
  /// The editor's behaviour: faces, references, sliders, saving.
  enum EditorScript {
    static let js = #"""
      "use strict";
      const editor = { info: null, face: null, reference: null, strengths: {}, residual: null, inFlight: false, pending: false, url: null };

      function editBody(extra) {
        return Object.assign({ face: editor.face.id, reference: editor.reference.id, strengths: Object.assign({}, editor.strengths), residual: editor.residual }, extra || {});
      }

      // One render at a time; moves made meanwhile collapse into one more render of the latest values.
      function requestRender() {
        if (!editor.face || !editor.reference) { status("pick a face and a reference"); return; }
        const image = document.getElementById("edit-image");
        image.dataset.pending = "1";
        if (editor.inFlight) { editor.pending = true; return; }
        render();
      }

      async function render() {
        const image = document.getElementById("edit-image");
        editor.inFlight = true;
        editor.pending = false;
        const body = editBody();
        const started = performance.now();
        try {
          const blob = await postForBlob("/api/render", body);
          if (editor.url) URL.revokeObjectURL(editor.url);
          editor.blob = blob;
          editor.url = URL.createObjectURL(blob);
          await new Promise((resolve) => { image.onload = resolve; image.onerror = resolve; image.src = editor.url; });
          image.dataset.strengths = JSON.stringify(body.strengths);
          image.dataset.residual = JSON.stringify(body.residual);
          image.dataset.renderCount = String(Number(image.dataset.renderCount || "0") + 1);
          status("rendered in " + Math.round(performance.now() - started) + " ms");
        } catch (error) {
          status(error.message, true);
        }
        editor.inFlight = false;
        if (editor.pending) render(); else image.dataset.pending = "0";
      }

      function buildSliders() {
        const box = document.getElementById("group-sliders");
        box.textContent = "";
        for (const group of editor.info.groups) {
          editor.strengths[group.name] = 0;
          const input = el("input", { type: "range", min: "0", max: "2", step: "0.05", value: "0", id: "strength-" + group.name, "data-group": group.name });
          const output = el("output", { text: "0", for: input.id });
          input.addEventListener("input", () => {
            editor.strengths[group.name] = Number(input.value);
            output.textContent = input.value;
            requestRender();
          });
          box.appendChild(el("div", { class: "slider", title: group.attributes.join(", ") }, [el("label", { for: input.id, text: group.name }), input, output]));
        }
        const residual = document.getElementById("residual"), auto = document.getElementById("residual-auto");
        if (!editor.info.residualBranch) { residual.parentElement.hidden = true; }
        residual.addEventListener("input", () => { editor.residual = Number(residual.value); requestRender(); });
        auto.addEventListener("change", () => {
          residual.disabled = auto.checked;
          editor.residual = auto.checked ? null : Number(residual.value);
          requestRender();
        });
      }

      function setFace(face) {
        editor.face = face;
        document.getElementById("face-image").src = face.image;
        const caption = document.getElementById("face-label");
        caption.textContent = face.label + " (" + face.align + ") ";
        caption.appendChild(el("a", { href: "/catalog?face=" + encodeURIComponent(face.id), text: "neighbours" }));
        markTiles();
        requestRender();
      }

      function setReference(reference) {
        editor.reference = reference;
        document.getElementById("reference-label").textContent = "reference: " + reference.label;
        markTiles();
        requestRender();
      }

      function markTiles() {
        for (const tile of document.querySelectorAll(".tile")) {
          tile.classList.toggle("chosen", !!editor.face && tile.dataset.face === editor.face.id);
          tile.classList.toggle("ref", !!editor.reference && !!editor.reference.face && tile.dataset.face === editor.reference.face);
        }
      }

      async function referenceFromFace(face) {
        setReference(await postJSON("/api/references", { kind: "face", face: face.id }));
      }

      // A tile that adds its face on first use (add() returns the face summary).
      function faceTile(label, src, add) {
        const tile = el("div", { class: "tile" });
        let face = null;
        async function ensure() { if (!face) { face = await add(); tile.dataset.face = face.id; } return face; }
        const act = (f) => async () => { try { status("…"); await f(); } catch (error) { status(error.message, true); } };
        tile.appendChild(el("img", { src: src, alt: label, title: "edit " + label, onclick: act(async () => setFace(await ensure())) }));
        tile.appendChild(el("div", { class: "name", text: label }));
        tile.appendChild(el("button", { text: "edit", onclick: act(async () => setFace(await ensure())) }));
        tile.appendChild(el("button", { text: "ref", onclick: act(async () => referenceFromFace(await ensure())) }));
        return tile;
      }

      async function loadFolder() {
        const box = document.getElementById("folder-faces");
        try {
          const faces = await getJSON("/api/faces/folder");
          if (faces.length === 0) box.appendChild(el("p", { class: "muted", text: "no faces folder (start with --faces)" }));
          for (const face of faces) {
            box.appendChild(faceTile(face.name, face.image, () => postJSON("/api/faces", { source: "folder", name: face.name })));
          }
        } catch (error) { status(error.message, true); }
      }

      async function upload(file) {
        const align = document.getElementById("upload-align").value;
        status("uploading " + file.name + " …");
        const response = await fetch("/api/photos?align=" + encodeURIComponent(align), {
          method: "POST", headers: { "Content-Type": file.type || "application/octet-stream" }, body: file });
        if (!response.ok) throw await apiError(response);
        const answer = await response.json();
        const box = document.getElementById("uploaded-faces");
        for (const face of answer.faces) {
          const tile = faceTile(face.label, face.image, async () => face);
          tile.dataset.face = face.id;
          box.appendChild(tile);
        }
        status(answer.faces.length + " face(s) from " + file.name);
        if (answer.faces.length > 0) setFace(answer.faces[0]);
      }

      async function save(kind) {
        if (!editor.face || !editor.reference) { status("pick a face and a reference first", true); return; }
        status("saving " + kind + " …");
        const saved = await postJSON("/api/save", editBody({ kind: kind }));
        document.getElementById("saved").appendChild(el("li", {}, [el("a", { href: saved.url, target: "_blank", text: saved.file }), el("span", { class: "muted", text: " " + saved.path })]));
        status("saved " + saved.path);
      }

      async function copyCommand() {
        if (!editor.face || !editor.reference) { status("pick a face and a reference first", true); return; }
        const answer = await postJSON("/api/command", editBody());
        document.getElementById("command").textContent = answer.command;
        try { await navigator.clipboard.writeText(answer.command); status("command copied; the edit lands in OUTPUT/" + answer.edited); }
        catch (e) { status("command shown below (the browser did not allow copying)"); }
      }

      function guard(f) { return async (event) => { if (event) event.preventDefault(); try { await f(event); } catch (error) { status(error.message, true); } }; }

      async function start() {
        editor.info = await getJSON("/api/info");
        document.getElementById("checkpoint").textContent = editor.info.checkpoint + " · " + editor.info.imageSize + " px";
        buildSliders();
        document.getElementById("upload").addEventListener("change", guard(async (e) => { if (e.target.files[0]) await upload(e.target.files[0]); }));
        document.getElementById("reference-set").addEventListener("click", guard(async () => {
          const kind = document.getElementById("reference-kind").value;
          const query = document.getElementById("reference-query").value;
          status("resolving the reference …");
          setReference(await postJSON("/api/references", { kind: kind, query: query, n: Number(document.getElementById("reference-n").value) }));
        }));
        for (const kind of ["edit", "sweep", "gif", "webp"]) document.getElementById("save-" + kind).addEventListener("click", guard(() => save(kind)));
        document.getElementById("copy-command").addEventListener("click", guard(copyCommand));
        document.getElementById("reset").addEventListener("click", () => {
          for (const input of document.querySelectorAll("#group-sliders input")) { input.value = "0"; input.nextSibling.textContent = "0"; editor.strengths[input.dataset.group] = 0; }
          requestRender();
        });
        await loadFolder();
        // Links from the catalog page: ?face=ID or ?reference=ID (catalog image ids).
        const params = new URLSearchParams(location.search);
        if (params.get("face")) setFace(await postJSON("/api/faces", { source: "catalog", image: Number(params.get("face")) }));
        if (params.get("reference")) {
          const face = await postJSON("/api/faces", { source: "catalog", image: Number(params.get("reference")) });
          await referenceFromFace(face);
        }
        document.body.dataset.ready = "1";
      }
      start().catch((error) => status(error.message, true));
      """#
  }
}
