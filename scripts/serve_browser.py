#!/usr/bin/env python3
"""Drives `morph serve` in headless Chromium over the DevTools protocol, as a person would.

Used by the end-to-end test (Tests/MorphServerTests/ServeBrowserTests.swift): it opens the
editor, clicks a face and a reference, drags the first strength slider with the mouse, waits for
the redrawn image, reads that image's bytes back from the page, saves screenshots of the editor
and the catalog page, and checks over a raw socket that hostile requests get a 4xx while the
server keeps serving. Prints one JSON object on standard output.

Standard library only (the DevTools websocket is spoken by hand below): nothing to install but
Debian's `chromium`.

  python3 scripts/serve_browser.py --url http://127.0.0.1:PORT/ --artifacts DIR [--chromium PATH]
"""
import argparse
import base64
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


class DevTools:
    """A minimal websocket client (RFC 6455, text frames, client masking) for one CDP target."""

    def __init__(self, ws_url, timeout):
        parsed = urllib.parse.urlparse(ws_url)
        self.sock = socket.create_connection((parsed.hostname, parsed.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parsed.path} HTTP/1.1\r\nHost: {parsed.hostname}:{parsed.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError("DevTools closed the websocket handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("DevTools refused the websocket: " + head.decode(errors="replace"))
        self.next_id = 0
        self.events = []

    def send_frame(self, text):
        payload = text.encode()
        header = bytearray([0x81])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126)
            header += struct.pack(">H", n)
        else:
            header.append(0x80 | 127)
            header += struct.pack(">Q", n)
        mask = os.urandom(4)
        header += mask
        self.sock.sendall(bytes(header) + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("DevTools closed the websocket")
            data += chunk
        return data

    def recv_message(self):
        message = b""
        while True:
            b0, b1 = self.recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self.recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self.recv_exact(8))[0]
            payload = self.recv_exact(n)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the websocket")
            if opcode in (0x9, 0xA):
                continue
            message += payload
            if b0 & 0x80:
                return json.loads(message.decode())

    def call(self, method, **params):
        self.next_id += 1
        ident = self.next_id
        self.send_frame(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = self.recv_message()
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if self.evaluate(expression):
                return
            time.sleep(0.05)
        status = self.evaluate("(document.getElementById('status') || {}).textContent || ''")
        where = self.evaluate("location.href + ' ' + JSON.stringify([...document.images].map(i => [i.src, i.complete, i.naturalWidth]).slice(0, 6))")
        raise RuntimeError(f"timed out waiting for {what} (page status: {status!r}; {where})")

    def navigate(self, url, timeout):
        # The page before stays up until the new one commits: wait for the new path itself.
        self.call("Page.navigate", url=url)
        path = urllib.parse.urlparse(url).path or "/"
        self.wait_for(
            f"location.pathname === {json.dumps(path)} && document.readyState === 'complete' && document.body && document.body.dataset.ready === '1'",
            "the page " + path, timeout)

    def mouse(self, kind, x, y):
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1, buttons=1 if kind != "mouseReleased" else 0)

    def click_at(self, box):
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        self.mouse("mouseMoved", x, y)
        self.mouse("mousePressed", x, y)
        self.mouse("mouseReleased", x, y)

    def box(self, expression):
        """The bounding box of the element the expression finds (scrolled into view)."""
        value = self.evaluate(
            f"(() => {{ const e = {expression}; if (!e) return null; e.scrollIntoView({{block: 'center'}});"
            " const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; })()"
        )
        if not value:
            raise RuntimeError(f"no element for {expression}")
        return value

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


def tile_button(name, label):
    return (
        f"[...document.querySelectorAll('#folder-faces .tile')].filter(t => t.querySelector('.name').textContent === {json.dumps(name)})"
        f".map(t => [...t.querySelectorAll('button')].find(b => b.textContent === {json.dumps(label)}))[0]"
    )


# The PNG the page shows, as the server sent it (the page keeps the Blob behind the image).
EDIT_IMAGE_BYTES = """(async () => {
  const bytes = new Uint8Array(await editor.blob.arrayBuffer());
  let s = ''; for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
})()"""


def raw_request(url, method, path, body=b"", headers=None, declared_length=None):
    """One request over a plain socket with the path sent exactly as given (no normalisation)."""
    parsed = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    connection.putrequest(method, path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        connection.putheader(k, v)
    connection.putheader("Content-Length", str(declared_length if declared_length is not None else len(body)))
    connection.endheaders()
    status, text = None, ""
    try:
        if body:
            connection.send(body)
        response = connection.getresponse()
        status, text = response.status, response.read().decode(errors="replace")
    except (BrokenPipeError, ConnectionResetError) as error:
        # The server may answer 413 and close before the whole body is sent.
        try:
            response = connection.getresponse()
            status, text = response.status, response.read().decode(errors="replace")
        except Exception:
            status, text = None, f"connection closed: {error}"
    connection.close()
    return status, text


def socket_checks(url):
    """Hostile requests over the socket: each must get a 4xx, and the server must answer after."""
    checks = []
    for path in ["/api/files/../../etc/passwd", "/api/files/..%2F..%2Fetc%2Fpasswd", "/api/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                 "/assets/..%2f..%2fPackage.swift", "/api/faces/folder/..%2F..%2F..%2Fetc%2Fpasswd/image"]:
        status, text = raw_request(url, "GET", path)
        checks.append({"request": "GET " + path, "status": status, "message": text[:200], "leak": "root:" in text})
    big = 100 << 20
    status, text = raw_request(url, "POST", "/api/photos", body=b"\xff\xd8\xff" + bytes(big - 3), headers={"Content-Type": "image/jpeg"})
    checks.append({"request": "POST /api/photos (100 MB)", "status": status, "message": text[:200], "leak": False})
    status, text = raw_request(url, "POST", "/api/render", body=b'{"face": ', headers={"Content-Type": "application/json"})
    checks.append({"request": "POST /api/render (malformed JSON)", "status": status, "message": text[:200], "leak": False})
    status, text = raw_request(url, "GET", "/api/info")
    checks.append({"request": "GET /api/info (after)", "status": status, "message": text[:80], "leak": False})
    return checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--face", default="000001.jpg")
    parser.add_argument("--reference", default="000002.jpg")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="morph-chromium-")
    browser = subprocess.Popen(
        [args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--disable-background-networking", "--hide-scrollbars", "--window-size=1400,1000",
         f"--user-data-dir={profile}", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        end = time.time() + args.timeout
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if time.time() > end or browser.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(open(port_file).read().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        tools = DevTools(page["webSocketDebuggerUrl"], args.timeout)
        tools.call("Page.enable")
        tools.call("Runtime.enable")
        tools.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)

        # The editor: a face, a reference, the first render.
        tools.navigate(args.url, args.timeout)
        tools.click_at(tools.box(tile_button(args.face, "edit")))
        tools.wait_for("document.getElementById('face-image').complete && document.getElementById('face-image').naturalWidth > 0", "the face", args.timeout)
        tools.click_at(tools.box(tile_button(args.reference, "ref")))
        count = "Number(document.getElementById('edit-image').dataset.renderCount)"
        idle = "document.getElementById('edit-image').dataset.pending === '0'"
        tools.wait_for(f"{count} >= 1 && {idle}", "the first render", args.timeout)
        before = tools.evaluate(EDIT_IMAGE_BYTES)
        rendered = tools.evaluate(count)

        # Drag the first group's slider with the mouse from its left end to 60 % of its length.
        slider = tools.box("document.querySelector('#group-sliders input')")
        y = slider["y"] + slider["height"] / 2
        x0, x1 = slider["x"] + 3, slider["x"] + slider["width"] * 0.6
        tools.mouse("mouseMoved", x0, y)
        tools.mouse("mousePressed", x0, y)
        for k in range(1, 9):
            tools.mouse("mouseMoved", x0 + (x1 - x0) * k / 8, y)
        tools.mouse("mouseReleased", x1, y)
        tools.wait_for(f"{count} > {rendered} && {idle}", "the image after the slider moved", args.timeout)
        after = tools.evaluate(EDIT_IMAGE_BYTES)
        state = tools.evaluate(
            "({strengths: JSON.parse(document.getElementById('edit-image').dataset.strengths), residual: JSON.parse(document.getElementById('edit-image').dataset.residual),"
            " slider: document.querySelector('#group-sliders input').value, group: document.querySelector('#group-sliders input').dataset.group,"
            " face: editor.face.id, reference: editor.reference.id, moves: " + count + "})")
        tools.click_at(tools.box("document.getElementById('copy-command')"))
        tools.wait_for("document.getElementById('command').textContent.length > 0", "the command line", args.timeout)
        state["command"] = tools.evaluate("document.getElementById('command').textContent")
        state["arguments"] = tools.evaluate("postJSON('/api/command', editBody()).then(a => a.arguments)")
        tools.evaluate("window.scrollTo(0, 0)")
        tools.screenshot(os.path.join(args.artifacts, "editor.png"))

        # The catalog: every image, the neighbours of the first, the newest run.
        tools.navigate(urllib.parse.urljoin(args.url, "catalog"), args.timeout)
        tools.wait_for("document.querySelectorAll('#results .tile img').length > 0 && [...document.querySelectorAll('#results .tile img')].every(i => i.complete && i.naturalWidth > 0)", "catalog thumbnails", args.timeout)
        state["catalog_results"] = tools.evaluate("document.querySelectorAll('#results .tile').length")
        tools.click_at(tools.box("document.querySelector('#results .tile button')"))
        tools.wait_for("document.querySelectorAll('#nearest .tile').length > 0", "nearest neighbours", args.timeout)
        state["nearest"] = tools.evaluate("document.querySelectorAll('#nearest .tile').length")
        tools.click_at(tools.box("document.querySelector('#runs tbody tr')"))
        tools.wait_for("document.querySelectorAll('#run-detail .metrics tr').length > 1", "the run's metrics", args.timeout)
        state["metrics"] = tools.evaluate("document.querySelectorAll('#run-detail .metrics tbody tr').length")
        state["artifact_images"] = tools.evaluate("document.querySelectorAll('#run-detail .artifacts img').length")
        tools.evaluate("window.scrollTo(0, 0)")
        tools.screenshot(os.path.join(args.artifacts, "catalog.png"))
        # The editor's "neighbours" link: the catalog images nearest to the edited face's latent.
        tools.navigate(urllib.parse.urljoin(args.url, "catalog?face=" + state["face"]), args.timeout)
        tools.wait_for("document.querySelectorAll('#nearest .tile').length > 0", "the face's neighbours", args.timeout)
        state["face_nearest"] = tools.evaluate("document.querySelectorAll('#nearest .tile').length")

        state["before"], state["after"] = before, after
        state["socket"] = socket_checks(args.url)
        print(json.dumps(state))
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # one clear line for the test's failure message
        print(json.dumps({"error": str(error)}))
        sys.exit(1)
