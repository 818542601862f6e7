extension PageAssets {
  /// Helpers both pages use: JSON and image requests with the server's error messages.
  enum CommonScript {
    static let js = #"""
      "use strict";
      // Every API error is {"error": message, "status": code}: show the message as it is.
      async function apiError(response) {
        let text = await response.text();
        try { text = JSON.parse(text).error || text; } catch (e) {}
        return new Error(text + " (" + response.status + ")");
      }
      async function getJSON(url) {
        const response = await fetch(url);
        if (!response.ok) throw await apiError(response);
        return response.json();
      }
      async function postJSON(url, body) {
        const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        if (!response.ok) throw await apiError(response);
        return response.json();
      }
      async function postForBlob(url, body) {
        const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        if (!response.ok) throw await apiError(response);
        return response.blob();
      }
      function el(tag, attributes, children) {
        const node = document.createElement(tag);
        for (const [k, v] of Object.entries(attributes || {})) {
          if (k === "text") node.textContent = v;
          else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
          else node.setAttribute(k, v);
        }
        for (const child of children || []) node.appendChild(child);
        return node;
      }
      function status(message, isError) {
        const node = document.getElementById("status");
        node.textContent = message || "";
        node.className = "status" + (isError ? " error" : "");
      }
      """#
  }
}
