package httpapi

import (
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/openapi"
)

// routes lists every route of the public, admin and platform APIs and the
// operations endpoints: the path, each method and its handler. A wrong
// method is a 405 with Allow in the surface's shape (which is why methods
// are not in the patterns); GET also serves HEAD. The handlers translate
// between the wire and app.Service; docs/*-api.md describe each surface.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete

	// Public Account API (docs/public-api.md): Vonage error-code bodies,
	// each path also with a trailing '/', any host; api_key and api_secret
	// by Basic auth, the query or the body.
	s.account(mux, "/account/get-balance", flavorBalance, publicMethods{get: s.getBalance})
	s.account(mux, "/account/get-balance/{key}/{secret}", flavorBalance, publicMethods{get: s.getBalance})
	s.account(mux, "/account/settings", flavorSettings, publicMethods{post: s.postSettings})
	s.account(mux, "/account/top-up", flavorTopUp, publicMethods{get: s.topUp, post: s.topUp})
	s.account(mux, "/account/get-pricing/outbound/{type}", flavorPricing, publicMethods{get: s.pricingLimited(s.countryPricing)})
	s.account(mux, "/account/get-full-pricing/outbound/{type}", flavorPricing, publicMethods{get: s.pricingLimited(s.fullPricing)})
	s.account(mux, "/account/get-prefix-pricing/outbound/{type}", flavorPricing, publicMethods{get: s.pricingLimited(s.prefixPricing)})
	s.account(mux, "/account/get-prefix-pricing/outbound", flavorPricing, publicMethods{get: s.pricingLimited(s.legacyPrefixPricing)})
	mux.Handle("/account/", s.legacy(flavorGeneric, notFound))

	// Subaccounts API (docs/subaccounts.md): RFC 7807 bodies in Nexmo's
	// shape, application/json, 200 on every success; the caller's own key
	// in the path.
	s.subaccountsRoute(mux, "/accounts/{api_key}/subaccounts", publicMethods{get: s.listSubaccounts, post: s.createSubaccount})
	s.subaccountsRoute(mux, "/accounts/{api_key}/subaccounts/{subaccount_key}", publicMethods{get: s.getSubaccount, http.MethodPatch: s.modifySubaccount})
	s.subaccountsRoute(mux, "/accounts/{api_key}/subaccounts/{subaccount_key}/spend-controls", publicMethods{get: s.getSubaccountSpend, put: s.putSubaccountSpend})
	s.subaccountsRoute(mux, "/accounts/{api_key}/credit-transfers", s.transfers(kassa.TransferCredit))
	s.subaccountsRoute(mux, "/accounts/{api_key}/balance-transfers", s.transfers(kassa.TransferBalance))
	s.subaccountsRoute(mux, "/accounts/{api_key}/transfer-number", publicMethods{post: s.transferNumber})

	// Public secrets API: RFC 7807 bodies in Nexmo's shape; a caller
	// manages its own key, and a primary its subaccounts' keys.
	s.secretsRoute(mux, "/accounts/{api_key}/secrets", publicMethods{get: s.listSecrets, post: s.createSecret})
	s.secretsRoute(mux, "/accounts/{api_key}/secrets/{secret_id}", publicMethods{get: s.getSecret, del: s.revokeSecret})
	mux.Handle("/accounts/", s.secretsAPI(notFound))

	// Admin API (docs/admin-api.md): the admin bearer token, RFC 7807.
	s.adminRoute(mux, "/admin/v1/accounts", methods{get: s.adminListAccounts, post: s.adminCreateAccount})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}", methods{get: s.adminGetAccount})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/credits", methods{post: s.adminCredit})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/debits", methods{post: s.adminDebit})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/auto-reload", methods{put: s.adminPutAutoReload})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/limits", methods{put: s.adminPutLimits})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/credit-limit", methods{put: s.adminPutCreditLimit})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/entries", methods{get: s.adminListEntries})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/spend-controls", methods{get: s.adminGetSpendControls, put: s.adminPutSpendControls})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/suspend", methods{post: s.adminSuspend})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/resume", methods{post: s.adminResume})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/primary", methods{put: s.adminPutPrimary})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/subaccounts", methods{get: s.adminGetTree, post: s.adminCreateSubaccount})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/transfers", methods{get: s.adminListTransfers, post: s.adminTransfer})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/usage", methods{get: s.adminAccountUsage})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/statements/{month}", methods{get: s.adminStatement})
	s.adminRoute(mux, "/admin/v1/usage", methods{get: s.adminUsage})
	s.adminRoute(mux, "/admin/v1/verify", methods{get: s.adminVerify})
	s.adminRoute(mux, "/admin/v1/audit", methods{get: s.adminListAudit})
	s.adminRoute(mux, "/admin/v1/plans", methods{get: s.adminListPlans, post: s.adminCreatePlan})
	s.adminRoute(mux, "/admin/v1/plans/{name}", methods{get: s.adminGetPlan, del: s.adminDeletePlan})
	s.adminRoute(mux, "/admin/v1/accounts/{api_key}/plan", methods{put: s.adminPutAccountPlan})
	s.adminRoute(mux, "/admin/v1/pricebooks", methods{get: s.adminListPriceBooks, post: s.adminImportPriceBook})
	s.adminRoute(mux, "/admin/v1/pricebooks/{version}", methods{get: s.adminGetPriceBook})
	s.adminRoute(mux, "/admin/v1/pricebooks/{version}/activate", methods{post: s.adminActivatePriceBook})
	s.adminRoute(mux, "/admin/v1/pricebooks/{version}/export", methods{get: s.adminExportPriceBook})
	s.adminRoute(mux, "/admin/v1/events", methods{get: s.adminListEvents})
	s.adminRoute(mux, "/admin/v1/webhooks", methods{get: s.adminListWebhooks, post: s.adminCreateWebhook})
	s.adminRoute(mux, "/admin/v1/webhooks/{id}", methods{get: s.adminGetWebhook, patch: s.adminPatchWebhook, del: s.adminDeleteWebhook})
	s.adminRoute(mux, "/admin/v1/webhooks/{id}/deliveries", methods{get: s.adminListDeliveries})
	s.adminRoute(mux, "/admin/v1/webhooks/{id}/deliveries/{event_id}/redeliver", methods{post: s.adminRedeliver})
	mux.Handle("/admin/", s.problemJSON(notFound))

	// Platform API (docs/platform-api.md): the service bearer token, RFC 7807.
	s.platformRoute(mux, "/platform/v1/rate", methods{post: s.platformRate})
	s.platformRoute(mux, "/platform/v1/charges", methods{post: s.platformCharge})
	s.platformRoute(mux, "/platform/v1/charges/{id}/refund", methods{post: s.platformRefund})
	s.platformRoute(mux, "/platform/v1/holds", methods{post: s.platformHold})
	s.platformRoute(mux, "/platform/v1/holds/{id}", methods{get: s.platformGetHold})
	s.platformRoute(mux, "/platform/v1/holds/{id}/capture", methods{post: s.platformCapture})
	s.platformRoute(mux, "/platform/v1/holds/{id}/release", methods{post: s.platformRelease})
	mux.Handle("/platform/", s.problemJSON(s.requireToken(s.cfg.ServiceToken, notFound)))

	// The OpenAPI documents of the three APIs (openapi/): the admin one
	// behind the admin token, as the admin API; the others open.
	s.adminRoute(mux, openapi.Path("admin"), methods{get: s.document("admin")})
	s.openRoute(mux, APIPlatform, openapi.Path("platform"), methods{get: s.document("platform")})
	s.openRoute(mux, APIPublic, openapi.Path("public"), methods{get: s.document("public")})

	// Operations: GET /healthz, GET /readyz, and every other path (ops.go).
	s.routesOps(mux)
	return collapseAccountsSlashes(mux)
}

// collapseAccountsSlashes serves a path under /accounts/ written with
// doubled slashes ("//accounts/…", which the Node SDK sends when its
// apiHost ends with '/') as the path with single slashes, instead of the
// mux's redirect, which would turn a POST into a GET.
func collapseAccountsSlashes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.Contains(p, "//") {
			clean := p
			for strings.Contains(clean, "//") {
				clean = strings.ReplaceAll(clean, "//", "/")
			}
			if strings.HasPrefix(clean, "/accounts/") {
				r2 := r.Clone(r.Context())
				r2.URL.Path, r2.URL.RawPath = clean, ""
				r = r2
			}
		}
		next.ServeHTTP(w, r)
	})
}

// platformRoute registers a path of the platform API with its methods,
// behind the service token; errors are RFC 7807.
func (s *Server) platformRoute(mux *http.ServeMux, path string, m methods) {
	s.list(APIPlatform, path, m)
	mux.Handle(path, s.problemJSON(s.requireToken(s.cfg.ServiceToken, dispatch(m))))
}
