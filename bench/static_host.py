"""Serve a built site on 127.0.0.1 the way a static host would, for the benchmarks.

Static hosts (GitHub Pages, Netlify, any CDN) send text with gzip; Python's http.server
does not, and page-weight or Lighthouse figures measured without it would be a host's
problem, not the site's. Text files are gzipped once and kept in memory.

A benchmark can add pages that are not in the site (`extra`: URL path → HTML), e.g. a bare
Pyodide page that must load the site's own files from the same origin.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import threading
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

COMPRESSED = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".txt", ".xml", ".map", ".wasm"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, cache: dict, extra: dict[str, str], **kwargs):
        self.cache = cache
        self.extra = extra
        super().__init__(*args, **kwargs)

    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass

    def send_head(self):
        url_path = urllib.parse.urlsplit(self.path).path
        if url_path in self.extra:
            return self._send(self.extra[url_path].encode("utf-8"), "text/html; charset=utf-8")
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not url_path.endswith("/"):
                return super().send_head()  # http.server redirects /dir to /dir/
            path = path / "index.html"
        if not (path.suffix in COMPRESSED and path.is_file()):
            return super().send_head()
        return self._send(path.read_bytes(), self.guess_type(str(path)), key=path)

    def _send(self, raw: bytes, content_type: str, key: Path | None = None):
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        body = raw
        if wants_gzip:
            body = self.cache.get(key) if key is not None else None
            if body is None:
                body = gzip.compress(raw, compresslevel=6)
                if key is not None:
                    self.cache[key] = body
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if wants_gzip:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)


@contextmanager
def serve(site: Path, extra: dict[str, str] | None = None):
    """Serve `site` (and the `extra` pages, keyed by URL path such as "/bench/x.html") on a
    free port of 127.0.0.1; yields the base URL (ending in /)."""
    handler = functools.partial(_Handler, directory=str(site), cache={}, extra=extra or {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
