"""Serve a built site on 127.0.0.1 the way a static host would, for the benchmarks.

Static hosts (GitHub Pages, Netlify, any CDN) send text with gzip; Python's http.server
does not, and page-weight or Lighthouse figures measured without it would be a host's
problem, not the site's. Text files are gzipped once and kept in memory.
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
    cache: dict[Path, bytes] = {}

    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urllib.parse.urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # http.server redirects /dir to /dir/
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.suffix in COMPRESSED and path.is_file()):
            return super().send_head()
        body = self.cache.get(path)
        if body is None:
            body = self.cache[path] = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)


@contextmanager
def serve(site: Path):
    """Serve `site` on a free port of 127.0.0.1; yields the base URL (ending in /)."""
    handler = functools.partial(_Handler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
