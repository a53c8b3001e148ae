package app

// Actor is who asks for a use case, as the audit log records it.
type Actor struct {
	// Name is "account:KEY" (an account holder), "admin" (an operator),
	// "platform" (the operator's sending services) or "system".
	Name string
	// RemoteAddr is the caller's address as the server saw it ("host:port"),
	// "" when there is none.
	RemoteAddr string
	// Surface names the surface the request came through when it is not an
	// API ("dashboard"); the audit detail then says so.
	Surface string
}

// The names of the actors other than account holders.
const (
	NameAdmin    = "admin"
	NamePlatform = "platform"
	NameSystem   = "system"
)

// SurfaceDashboard is the Surface of requests made through the dashboard.
const SurfaceDashboard = "dashboard"

// AccountHolder is the holder of the account apiKey calling from remoteAddr.
func AccountHolder(apiKey, remoteAddr string) Actor {
	return Actor{Name: "account:" + apiKey, RemoteAddr: remoteAddr}
}

// Operator is an operator (the admin token) calling from remoteAddr.
func Operator(remoteAddr string) Actor { return Actor{Name: NameAdmin, RemoteAddr: remoteAddr} }

// Platform is the operator's sending services (the service token) calling
// from remoteAddr.
func Platform(remoteAddr string) Actor { return Actor{Name: NamePlatform, RemoteAddr: remoteAddr} }

// System is kassa itself: the first-start setup, background jobs.
var System = Actor{Name: NameSystem}

// Via returns the actor calling through surface (SurfaceDashboard).
func (a Actor) Via(surface string) Actor {
	a.Surface = surface
	return a
}
