package redact_test

import (
	"testing"

	"github.com/apikit/apikit/internal/redact"
)

// TestIsSecretName pins the pattern: the names issue 15 found leaking are secret, and the ordinary names that
// share a word with a secret are not.
func TestIsSecretName(t *testing.T) {
	t.Parallel()
	secret := []string{
		// query keys the issue lists
		"key", "apikey", "x-amz-signature", "X-Amz-Signature", "client_assertion", "auth", "sessionid",
		// request headers the issue lists
		"X-Auth-Token", "X-Access-Token", "Private-Token", "X-Amz-Security-Token", "Api-Key",
		// more
		"access_token", "accessToken", "AccessToken", "refresh_token", "id_token", "client_secret", "password",
		"new_password", "passwd", "pwd", "sig", "session", "session_id", "sessionId", "JSESSIONID", "PHPSESSID",
		"X-CSRF-Token", "xsrftoken", "credentials", "X-Amz-Credential", "api_keys", "privateKey", "secret_key",
		"auth_code", "authorization_code", "code", "code_verifier", "Cookie", "Set-Cookie", "X-Goog-Api-Key",
		"SECRET", "passphrase", "X-Auth", "Authorization", "otp",
	}
	plain := []string{
		"Content-Type", "token_type", "expires_in", "client_assertion_type", "key_id", "kid", "public_key",
		"publicKey", "password_changed_at", "keys", "monkey", "state", "page", "limit", "status_code",
		"country_code", "tokenUrl", "authorizationUrl", "author", "authority", "WWW-Authenticate", "Accept",
		"X-Request-Id", "grant_type", "scope", "", "-", "id", "Link", "Referer", "Location", "person_id",
	}
	for _, n := range secret {
		if !redact.IsSecretName(n) {
			t.Errorf("IsSecretName(%q) = false, want true", n)
		}
	}
	for _, n := range plain {
		if redact.IsSecretName(n) {
			t.Errorf("IsSecretName(%q) = true, want false", n)
		}
	}
	if redact.IsSecretHeader("Access-Control-Allow-Credentials") {
		t.Error("Access-Control-Allow-Credentials is a secret header")
	}
	for _, h := range []string{"X-Auth-Token", "Api-Key", "Private-Token", "X-Amz-Security-Token"} {
		if !redact.IsSecretHeader(h) {
			t.Errorf("IsSecretHeader(%q) = false", h)
		}
	}
}
