package doorflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"
)

// OAuth 2.0 endpoints and scopes, as openapi/doorflow.yaml declares them. The vendor's pages name the scopes
// but no endpoints: the URLs are the spec's assumption (Doorkeeper's conventional paths on the API host).
// Override Endpoint in the returned config if DoorFlow tells you otherwise.
const (
	// AuthURL is the authorization endpoint the user is sent to (the spec's authorizationUrl).
	AuthURL = "https://api.doorflow.com/oauth/authorize"
	// TokenURL is the token endpoint for code exchange and refresh (the spec's tokenUrl and refreshUrl).
	TokenURL = "https://api.doorflow.com/oauth/token"

	// ScopeGroupReservationRead is the scope the list page names (listGroupReservations).
	ScopeGroupReservationRead = "account.group_reservation.readonly"
	// ScopePersonRead is the scope the get page names (getGroupReservation).
	ScopePersonRead = "account.person.readonly"
)

// OAuthConfig returns the configuration for DoorFlow's authorization-code flow. With no scopes it asks for both
// read scopes, since the list and the get pages each name a different one.
//
// Send the user to cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), exchange the code with
// cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)), and give cfg.TokenSource(ctx, token) to
// [WithTokenSource]: it refreshes the access token with the refresh token when it expires. The refresh uses
// the HTTP client in that ctx (oauth2.HTTPClient), not the one of [WithHTTPClient]. If the server rotates refresh
// tokens, store the token the source returns (call its Token method) after use, not only the first one.
func OAuthConfig(clientID, clientSecret, redirectURL string, scopes ...string) *oauth2.Config {
	if len(scopes) == 0 {
		scopes = []string{ScopeGroupReservationRead, ScopePersonRead}
	}
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURL,
		Scopes:       scopes,
		Endpoint:     oauth2.Endpoint{AuthURL: AuthURL, TokenURL: TokenURL},
	}
}

// WithTokenSource authenticates each request with a token from ts, such as the one an [OAuthConfig] returns.
// A source that does not cache is wrapped in oauth2.ReuseTokenSource. After a 401 the client asks ts once
// more; if it yields another token (it refreshed), the request is sent again once with it.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(o *options) error {
		if ts == nil {
			return errors.New("WithTokenSource: nil token source")
		}
		o.tokens = oauth2.ReuseTokenSource(nil, ts)
		return nil
	}
}

// bearer turns a token source into the Authorization header value of each attempt.
func bearer(ts oauth2.TokenSource) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		tok, err := ts.Token()
		if err != nil {
			return "", &tokenError{err}
		}
		return tok.Type() + " " + tok.AccessToken, nil
	}
}

// tokenError is a failure to get an access token. Its text never holds the token endpoint's body, which
// oauth2.RetrieveError prints (it may quote the request); errors.As still reaches the *oauth2.RetrieveError.
// A refused refresh (400 or 401 from the token endpoint, or invalid_grant with any status) matches
// [ErrUnauthorized]: the user must authorize again.
type tokenError struct{ err error }

func (e *tokenError) Error() string {
	var re *oauth2.RetrieveError
	if !errors.As(e.err, &re) {
		return e.err.Error() // oauth2's own messages and transport errors: no body, no token
	}
	s := "the token endpoint refused"
	if re.Response != nil {
		s = fmt.Sprintf("the token endpoint answered %d", re.Response.StatusCode)
	}
	if re.ErrorCode != "" {
		s += " " + re.ErrorCode
	}
	return s
}

func (e *tokenError) Unwrap() error { return e.err }

func (e *tokenError) Is(target error) bool {
	var re *oauth2.RetrieveError
	if target != ErrUnauthorized || !errors.As(e.err, &re) {
		return false
	}
	if re.ErrorCode == "invalid_grant" {
		return true
	}
	return re.Response != nil && (re.Response.StatusCode == http.StatusBadRequest || re.Response.StatusCode == http.StatusUnauthorized)
}
