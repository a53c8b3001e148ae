package main

import "github.com/spf13/cobra"

// newServeCmd builds `kassa serve`.
func newServeCmd(e *env) *cobra.Command {
	return &cobra.Command{Use: "serve", Short: "Run the kassa server"}
}
