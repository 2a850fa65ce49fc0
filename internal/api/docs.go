package api

import (
	"embed"
	"mime"
	"net/http"
	"path"

	"github.com/go-chi/chi/v5"

	"github.com/bertserve/bertserve/internal/errs"
)

// webdocs holds the /docs page: Swagger UI from npm (see webdocs/ASSETS.md) and our page around it.
//
//go:embed webdocs
var webdocs embed.FS

// docsCSP keeps the docs page to this server: the browser refuses any script, style, font, image
// or request from elsewhere, so the page works offline and leaks nothing.
const docsCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"script-src 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'"

// docsAssets are the files served under /docs/.
var docsAssets = map[string]bool{"swagger-ui-bundle.js": true, "swagger-ui.css": true, "init.js": true}

func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) {
	s.serveDoc(w, r, "index.html")
}

func (s *Server) docsAsset(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "asset")
	if !docsAssets[name] {
		s.writeError(w, r, errs.New(errs.NotFound, "no docs asset %q", name))
		return
	}
	s.serveDoc(w, r, name)
}

func (s *Server) serveDoc(w http.ResponseWriter, r *http.Request, name string) {
	data, err := webdocs.ReadFile("webdocs/" + name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=3600")
	w.Write(data)
}
