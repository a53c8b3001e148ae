// Package emulator turns a kassa server into a controllable test double
// for Vonage account integrations (kassa serve --emulator, and the kassatest
// package): fixtures loaded from JSON or YAML and restored in milliseconds,
// a journal of the requests the application sent (credentials redacted),
// injected faults (an error status, a delay, a dropped connection, the real
// 429 and 420 answers), and a clock that moves forward without waiting.
//
// The control API lives under /_emulator/ and exists only when the emulator
// wraps a server; nothing in normal operation depends on this package.
//
//	emu, err := emulator.Start(ctx, cfg, emulator.Options{Fixtures: fx})
//	defer emu.Close()
//	go emu.Run(ctx)
//
// docs/emulator.md describes the control API and the fixture format.
package emulator
