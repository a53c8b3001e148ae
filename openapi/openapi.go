package openapi

import (
	"embed"
	"slices"
)

//go:embed admin.json platform.json public.json
var files embed.FS

// Names lists the documents, in the order the CLI and the docs show them.
var Names = []string{"admin", "platform", "public"}

// Document returns the JSON of the named document ("admin", "platform" or
// "public"), and false for any other name.
func Document(name string) ([]byte, bool) {
	if !slices.Contains(Names, name) {
		return nil, false
	}
	data, err := files.ReadFile(name + ".json")
	if err != nil {
		// Unreachable: every name of Names is embedded.
		return nil, false
	}
	return data, true
}

// Path is the URL path at which kassa serve answers the named document.
func Path(name string) string { return "/openapi/" + name + ".json" }
