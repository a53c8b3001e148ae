package kassatest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/kassa-dev/kassa/kassatest"
)

// The Go client (package client) pointed at an in-process kassa: the
// balance of a fixture account, and the journal of what was sent. In a
// test, use kassatest.New(t, …) instead of Start: it stops the server when
// the test ends.
func Example() {
	srv, err := kassatest.Start(kassatest.WithAccount("abcd1234", "Secret123abc", "10.00"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c := client.New(srv.URL, client.WithCredentials("abcd1234", "Secret123abc"))
	b, err := c.Balance(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("balance:", b.Value.Decimal())
	for _, r := range srv.JournalFor("GET", "/account/get-balance") {
		fmt.Println(r.Method, r.Path, r.Credentials, r.Headers["Authorization"], r.Status)
	}
	// Output:
	// balance: 10.00
	// GET /account/get-balance basic Basic REDACTED 200
}

// A fault makes the next get-balance answer 503; the client retries a GET
// that met 503, and the journal shows both attempts.
func ExampleServer_Fault() {
	srv, err := kassatest.Start(kassatest.WithAccount("abcd1234", "Secret123abc", "10.00"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.Fault(kassatest.Fault{Method: "GET", Path: "/account/get-balance", Error: kassa.EUNAVAILABLE, Times: 1})

	c := client.New(srv.URL, client.WithCredentials("abcd1234", "Secret123abc"))
	if _, err := c.Balance(context.Background()); err != nil {
		log.Fatal(err)
	}
	for _, r := range srv.JournalFor("GET", "/account/get-balance") {
		fmt.Println(r.Status, r.Fault > 0)
	}
	// Output:
	// 503 true
	// 200 false
}

// Moving the clock expires a hold without waiting for it.
func ExampleServer_Advance() {
	srv, err := kassatest.Start(kassatest.WithAccount("abcd1234", "Secret123abc", "10.00"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	platform := client.New(srv.URL, client.WithServiceToken(srv.ServiceToken))
	amount := kassa.MustParseAmount("4.00")
	h, err := platform.Hold(ctx, client.HoldRequest{Account: "abcd1234", Amount: &amount, TTL: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	srv.Advance(2 * time.Hour)
	h, err = platform.GetHold(ctx, h.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.State)
	// Output:
	// expired
}
