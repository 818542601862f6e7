extension PageAssets {
  /// The catalog page's behaviour: queries with paging, neighbours, runs.
  enum CatalogScript {
    static let js = #"""
      "use strict";
      const listing = { query: "", split: "", page: 0, perPage: 24, total: 0 };

      function imageTile(image) {
        const label = image.similarity === undefined || image.similarity === null ? image.path : image.path + " · " + image.similarity.toFixed(3);
        return el("div", { class: "tile", title: image.dataset + "/" + image.path + (image.split ? " (" + image.split + ")" : "") }, [
          el("img", { src: image.image, alt: image.path }),
          el("div", { class: "name", text: label }),
          el("button", { text: "near", onclick: guard(() => neighbours(image)) }),
          el("a", { href: "/?face=" + image.id, text: " edit" }),
        ]);
      }

      async function runQuery() {
        const url = "/api/catalog/query?q=" + encodeURIComponent(listing.query) + "&split=" + encodeURIComponent(listing.split) +
          "&page=" + listing.page + "&per_page=" + listing.perPage;
        const page = await getJSON(url);
        listing.total = page.total;
        const box = document.getElementById("results");
        box.textContent = "";
        for (const image of page.images) box.appendChild(imageTile(image));
        const pages = Math.max(1, Math.ceil(page.total / listing.perPage));
        document.getElementById("page-label").textContent = " page " + (listing.page + 1) + " of " + pages + " · " + page.total + " images ";
        document.body.dataset.results = String(page.images.length);
        status("");
      }

      // Neighbours of an editor face's latent (the editor links here with ?face=ID).
      async function faceNeighbours(face) {
        const hits = await getJSON("/api/catalog/nearest?face=" + encodeURIComponent(face) + "&k=12");
        document.getElementById("nearest-note").textContent = "nearest to the editor's face " + face + " (cosine of pooled latents)";
        const box = document.getElementById("nearest");
        box.textContent = "";
        for (const hit of hits) box.appendChild(imageTile(hit));
      }

      async function neighbours(image) {
        const hits = await getJSON("/api/catalog/nearest?image=" + image.id + "&k=12");
        document.getElementById("nearest-note").textContent = "nearest to " + image.dataset + "/" + image.path + " (cosine of pooled latents)";
        const box = document.getElementById("nearest");
        box.textContent = "";
        for (const hit of hits) box.appendChild(imageTile(hit));
      }

      async function loadRuns() {
        const runs = await getJSON("/api/catalog/runs?limit=50");
        const body = document.querySelector("#runs tbody");
        body.textContent = "";
        for (const run of runs) {
          body.appendChild(el("tr", { class: "run", onclick: guard(() => showRun(run.id)) }, [
            el("td", { text: String(run.id) }), el("td", { text: run.recipeName }), el("td", { text: run.status }),
            el("td", { text: String(run.itemCount) }), el("td", { text: run.startedAt.replace("T", " ").replace("Z", "") }),
          ]));
        }
      }

      async function showRun(id) {
        const detail = await getJSON("/api/catalog/runs/" + id);
        const box = document.getElementById("run-detail");
        box.textContent = "";
        box.appendChild(el("h3", { text: "Run " + id + ": " + detail.run.recipeName + " (" + detail.run.status + ")" }));
        const metrics = el("table", {}, [el("thead", {}, [el("tr", {}, [el("th", { text: "metric" }), el("th", { text: "item" }), el("th", { text: "value" })])])]);
        const rows = el("tbody");
        for (const m of detail.metrics.slice(0, 300)) {
          rows.appendChild(el("tr", {}, [el("td", { text: m.name }), el("td", { text: m.item || "" }), el("td", { text: Number(m.value).toPrecision(4) })]));
        }
        metrics.appendChild(rows);
        box.appendChild(el("div", { class: "metrics" }, [metrics]));
        box.appendChild(el("h3", { text: detail.artifacts.length + " artifacts" }));
        const artifacts = el("div", { class: "artifacts" });
        for (const a of detail.artifacts.slice(0, 60)) {
          artifacts.appendChild(el("div", { class: "muted", text: a.path }));
          if (a.url) artifacts.appendChild(el("img", { src: a.url, alt: a.path, loading: "lazy" }));
        }
        box.appendChild(artifacts);
      }

      function guard(f) { return async (event) => { if (event) event.preventDefault(); try { await f(event); } catch (error) { status(error.message, true); } }; }

      async function start() {
        try {
          const summary = await getJSON("/api/catalog");
          document.getElementById("catalog-path").textContent = summary.path;
          document.getElementById("summary").textContent = "models: " + (summary.models.join(", ") || "none") + " · datasets: " +
            (summary.datasets.join(", ") || "none") + " · " + summary.attributes.length + " attributes · neighbours use model " + summary.latentModel;
        } catch (error) { status(error.message, true); document.body.dataset.ready = "1"; return; }
        document.getElementById("query-form").addEventListener("submit", guard(async () => {
          listing.query = document.getElementById("query").value;
          listing.split = document.getElementById("split").value;
          listing.page = 0;
          await runQuery();
        }));
        document.getElementById("prev").addEventListener("click", guard(async () => { if (listing.page > 0) { listing.page -= 1; await runQuery(); } }));
        document.getElementById("next").addEventListener("click", guard(async () => {
          if ((listing.page + 1) * listing.perPage < listing.total) { listing.page += 1; await runQuery(); }
        }));
        await Promise.all([runQuery().catch((e) => status(e.message, true)), loadRuns().catch((e) => status(e.message, true))]);
        const face = new URLSearchParams(location.search).get("face");
        if (face) await faceNeighbours(face).catch((e) => status(e.message, true));
        document.body.dataset.ready = "1";
      }
      start();
      """#
  }
}
