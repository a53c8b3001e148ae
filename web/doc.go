// Package web is kassa's dashboard: server-rendered HTML pages under /ui/
// for account holders (balance, ledger, secrets, callback settings,
// pricing map) and operators (accounts, credits and debits, auto-reload,
// price-book import and activation).
//
// Pages are html/template, styles and a little vanilla JavaScript are
// embedded; nothing needs a build step. Sign-in makes a server-side
// session (in memory, per node) carried by an HttpOnly cookie; every form
// carries the session's CSRF token, which every POST must echo. See
// docs/dashboard.md.
package web
