package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds each page's template, parsed with the layout.
type pages struct {
	byName map[string]*template.Template
}

// pageData is what every page template sees.
type pageData struct {
	Title    string
	Active   string // the nav item to mark current
	SignedIn bool
	Operator bool
	APIKey   string // the signed-in account's key
	CSRF     string
	Flash    *flash
	D        any // the page's own data

	// SessionSecret is the id of the secret the account holder signed in
	// with: revoking it ends the session.
	SessionSecret string
}

var templateFuncs = template.FuncMap{
	"amount": func(a kassa.Amount) string { return a.Decimal() },
	"price":  func(a kassa.Amount) string { return a.String() },
	"when":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"date":   func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"add":    func(a, b int) int { return a + b },
	"neg":    func(a kassa.Amount) bool { return a < 0 },
	"upper":  strings.ToUpper,
	"has":    slices.Contains[[]string],
}

func mustParsePages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		t := template.Must(template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/_partials.html", n))
		p.byName[base] = t
	}
	return p
}

// render writes page name with status. sess may be nil (signed out).
func (h *handler) render(w http.ResponseWriter, r *http.Request, sess *session, status int, name, title, active string, data any) {
	t := h.pages.byName[name]
	if t == nil {
		panic(fmt.Sprintf("web: no template %q", name))
	}
	pd := pageData{Title: title, Active: active, D: data}
	if sess != nil {
		pd.CSRF = sess.csrf
		if sess.role != noRole {
			pd.SignedIn = true
			pd.Operator = sess.role == operatorRole
			pd.APIKey = sess.apiKey
			pd.SessionSecret = sess.secretID
			pd.Flash = h.sessions.takeFlash(sess)
		}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, pd); err != nil {
		h.log.Error("dashboard: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	writeCompressed(w, r, status, buf.Bytes())
}

// setFlash stores a message for the session's next page.
func (h *handler) setFlash(sess *session, kind, msg string) {
	h.sessions.setFlash(sess, &flash{Kind: kind, Message: msg})
}
