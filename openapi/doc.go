// Package openapi holds kassa's OpenAPI 3.1 documents: one for the admin
// API (admin.json), one for the platform API (platform.json) and one for
// the public API (public.json: the Account API with its pricing and secrets,
// and the Subaccounts API, as kassa serves them, quirks included).
//
// The documents are embedded in the binary. kassa serve answers them at
// /openapi/{admin,platform,public}.json (the admin one behind the admin
// token) and `kassa openapi NAME` prints one. They are kept true by tests:
// every route of httpapi's router is in a document and every documented
// operation is routed, the handlers' real answers validate against the
// schemas, the examples validate, and the Markdown docs' tables list the
// same operations. NOTICE.md says where parts of public.json come from.
package openapi
