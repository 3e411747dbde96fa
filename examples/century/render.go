// render.go renders pages: the embedded templates and static files, the
// template helpers, and the error pages.

package main

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// staticFiles is the static folder as served under /static/.
func staticFiles() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the folder is embedded: cannot happen
	}
	return sub
}

// pageData is what every page template receives.
type pageData struct {
	Title     string
	ScriptURL string // jsclient module URL, for the import map
	// RenewMs is how often the page script renews the login while the
	// user is active (renew.go), in ms; 0: never. The same for every
	// user, so shared pages may carry it.
	RenewMs int64
	// Private pages are rendered for one user and may show their name; the
	// others are shared (cached) and leave it to the page script.
	Private bool
	User    *userView
	Body    any
}

// starData is the selection toggle of one property.
type starData struct {
	ID   int64
	Back string // where the no-JS form returns to
}

var funcs = template.FuncMap{
	"euros": euros,
	"perM2": func(price int64, surface int) int64 {
		if surface <= 0 {
			return 0
		}
		return price / int64(surface)
	},
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"slug": func(s string) string { return strings.ReplaceAll(s, " ", "-") },
	"star": func(id int64, back string) starData { return starData{ID: id, Back: back} },
}

// euros formats a price the French way: "1 234 000 €" (no-break spaces).
func euros(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
		s = s[1:]
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(c)
	}
	b.WriteString("\u00a0€")
	return b.String()
}

// templates holds one parsed set per page: layout + partials + the page.
type templates map[string]*template.Template

func parseTemplates() (templates, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("century: parse layout: %w", err)
	}
	t := templates{}
	for _, page := range []string{"search", "property", "selection", "login", "error"} {
		clone := template.Must(base.Clone())
		if _, err := clone.ParseFS(templateFS, "templates/"+page+".html"); err != nil {
			return nil, fmt.Errorf("century: parse %s: %w", page, err)
		}
		t[page] = clone
	}
	return t, nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes page into a buffer first, so that a template error gives
// a clean 500 instead of half a page.
func (s *site) render(w http.ResponseWriter, r *http.Request, status int, page string, d pageData) {
	d.ScriptURL = s.scriptURL
	d.RenewMs = s.renewMs
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := s.tmpl[page].ExecuteTemplate(buf, "layout", d); err != nil {
		s.log.ErrorContext(r.Context(), "render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders an error page. Bad input from the client gets a 4xx here,
// never a panic or a 500.
func (s *site) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", pageData{Title: http.StatusText(status), Body: msg})
}

func (s *site) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side.")
}

// logger is the site's slog logger, or the default one.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
