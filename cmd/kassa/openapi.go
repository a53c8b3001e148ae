package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kassa-dev/kassa/openapi"
)

// newOpenAPICmd builds `kassa openapi NAME`.
func newOpenAPICmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "openapi admin|platform|public",
		Short: "Print the OpenAPI 3.1 document of an API",
		Long: `Print the OpenAPI 3.1 document (JSON) of one of kassa's APIs, as built into this
binary: admin (the admin API, /admin/v1/*), platform (the platform API,
/platform/v1/*) or public (the Account, pricing, secrets and Subaccounts APIs).
A running server answers the same documents at /openapi/NAME.json (the admin one
with the admin token). Generate a client from one with openapi-generator or
oapi-codegen. Needs no server and no store.`,
		Example: `  kassa openapi public > kassa-public.json
  kassa openapi admin | jq -r '.paths | keys[]'
  kassa openapi platform | jq '.components.schemas.Charge.required'`,
		ValidArgs: openapi.Names,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("kassa openapi takes one API name: %s", strings.Join(openapi.Names, ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			data, ok := openapi.Document(args[0])
			if !ok {
				return usageError("no OpenAPI document %q: the APIs are %s", args[0], strings.Join(openapi.Names, ", "))
			}
			if _, err := e.stdout.Write(data); err != nil {
				return fmt.Errorf("write the document: %w", err)
			}
			return nil
		},
	}
}
