// Package doorflow is a small client for the DoorFlow API v3 (group reservations), over the code generated
// from openapi/doorflow.yaml. It adds OAuth 2.0, paging as Go iterators, incremental sync, retries with
// backoff, and typed errors.
//
// Build a client with a token source from the authorization-code flow ([OAuthConfig]); range over a list, and
// tell errors apart with errors.Is and errors.As:
//
//	cfg := doorflow.OAuthConfig(clientID, clientSecret, redirectURL)
//	c, err := doorflow.New(doorflow.DefaultBaseURL, doorflow.WithTokenSource(cfg.TokenSource(ctx, token)))
//	if err != nil { ... }
//	for r, err := range c.ListGroupReservations(ctx, nil) {
//		if err != nil { ... }       // *doorflow.APIError, or a network error after retries
//		fmt.Println(r.ID, r.State)
//	}
//	_, err = c.GetGroupReservation(ctx, 456)
//	if errors.Is(err, doorflow.ErrNotFound) { ... }
//
// Every method takes a context first; it bounds the call, retries included. Methods return the generated
// models of package gen/doorflow (GroupReservation, its State constants).
package doorflow
