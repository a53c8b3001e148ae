// Package webhook makes kassa's outbound HTTP calls safe: the live check of
// an account's callback URLs and the payment webhooks of auto-reload.
//
// Every outbound connection goes through a Guard, which refuses loopback,
// private, link-local, unique-local, CGNAT, multicast, unspecified and cloud
// metadata addresses unless the operator allows their network. The check
// runs on the address that is actually dialled, after name resolution, so a
// DNS name that resolves to a private address, a name that changes its
// answer between two lookups (DNS rebinding), a redirect into a private
// network and the decimal, octal and hex spellings of an IPv4 address are
// all refused. Redirects are re-checked and limited, responses are capped in
// size, and every call times out.
package webhook
