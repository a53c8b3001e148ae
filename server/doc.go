// Package server is a kassa server as a library: Start opens the store,
// builds every component (the ledger, auto-reload, the use cases, the HTTP
// surfaces behind the request front), does the first-start setup and opens
// the listeners; Run serves until its context ends and shuts down in order;
// Close releases the store. kassa serve (cmd/kassa) reads the configuration
// and calls it; the emulator and the kassatest package start it in-process
// with their own clock, store and handler wrapper (Options).
//
//	n, err := server.Start(ctx, &cfg, server.Options{Stdout: os.Stdout, Logger: log})
//	if err != nil { … }
//	defer n.Close()
//	err = n.Run(ctx)
//
// The components that keep state in memory above the store form a
// generation that Rebuild replaces (see generation.go).
package server
