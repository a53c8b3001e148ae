package web

import "net/http"

// routes lists every dashboard route.
func (h *handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /ui/static/", staticHandler())
	mux.HandleFunc("GET /ui/{$}", h.home)
	mux.HandleFunc("GET /ui/signin", h.signinPage)
	mux.HandleFunc("POST /ui/signin", h.signin)
	mux.HandleFunc("POST /ui/signout", h.session(anyRole, h.signout))

	mux.HandleFunc("GET /ui/account", h.session(accountRole, h.overview))
	mux.HandleFunc("GET /ui/secrets", h.session(accountRole, h.secretsPage))
	mux.HandleFunc("POST /ui/secrets", h.session(accountRole, h.createSecret))
	mux.HandleFunc("POST /ui/secrets/{id}/revoke", h.session(accountRole, h.revokeSecret))
	mux.HandleFunc("GET /ui/settings", h.session(accountRole, h.settingsPage))
	mux.HandleFunc("POST /ui/settings", h.session(accountRole, h.saveSettings))
	mux.HandleFunc("POST /ui/settings/low-balance", h.session(accountRole, h.saveLowBalance))
	mux.HandleFunc("GET /ui/subaccounts", h.session(accountRole, h.subaccountsPage))
	mux.HandleFunc("POST /ui/subaccounts", h.session(accountRole, h.createSubaccount))
	mux.HandleFunc("POST /ui/subaccounts/transfers", h.session(accountRole, h.transfer))
	mux.HandleFunc("POST /ui/subaccounts/{key}/suspend", h.session(accountRole, h.suspendSubaccount(true)))
	mux.HandleFunc("POST /ui/subaccounts/{key}/resume", h.session(accountRole, h.suspendSubaccount(false)))
	mux.HandleFunc("GET /ui/usage", h.session(accountRole, h.usagePage))
	mux.HandleFunc("GET /ui/usage.csv", h.session(accountRole, h.usageCSV))
	mux.HandleFunc("GET /ui/statement", h.session(accountRole, h.statementPage))
	mux.HandleFunc("GET /ui/pricing", h.session(anyRole, h.pricingPage))

	mux.HandleFunc("GET /ui/operator", h.session(operatorRole, h.operatorOverview))
	mux.HandleFunc("GET /ui/operator/accounts", h.session(operatorRole, h.accountsPage))
	mux.HandleFunc("GET /ui/operator/accounts/{key}", h.session(operatorRole, h.accountPage))
	mux.HandleFunc("GET /ui/operator/accounts/{key}/statement", h.session(operatorRole, h.operatorStatement))
	mux.HandleFunc("POST /ui/operator/accounts/{key}/postings", h.session(operatorRole, h.post))
	mux.HandleFunc("POST /ui/operator/accounts/{key}/auto-reload", h.session(operatorRole, h.saveAutoReload))
	mux.HandleFunc("POST /ui/operator/accounts/{key}/spend-controls", h.session(operatorRole, h.saveSpendControls))
	mux.HandleFunc("POST /ui/operator/accounts/{key}/suspend", h.session(operatorRole, h.operatorSuspend(true)))
	mux.HandleFunc("POST /ui/operator/accounts/{key}/resume", h.session(operatorRole, h.operatorSuspend(false)))
	mux.HandleFunc("POST /ui/operator/accounts/{key}/plan", h.session(operatorRole, h.assignPlan))
	mux.HandleFunc("GET /ui/operator/price-books", h.session(operatorRole, h.priceBooksPage))
	mux.HandleFunc("POST /ui/operator/price-books", h.session(operatorRole, h.importPriceBook))
	mux.HandleFunc("POST /ui/operator/price-books/{version}/activate", h.session(operatorRole, h.activatePriceBook))
	mux.HandleFunc("GET /ui/operator/webhooks", h.session(operatorRole, h.webhooksPage))
	mux.HandleFunc("POST /ui/operator/webhooks", h.session(operatorRole, h.createWebhook))
	mux.HandleFunc("POST /ui/operator/webhooks/{id}/delete", h.session(operatorRole, h.deleteWebhook))
	mux.HandleFunc("GET /ui/operator/webhooks/{id}", h.session(operatorRole, h.deliveriesPage))
	mux.HandleFunc("POST /ui/operator/webhooks/{id}/deliveries/{event}/redeliver", h.session(operatorRole, h.redeliver))

	mux.HandleFunc("/ui/", h.notFound)
	return mux
}
