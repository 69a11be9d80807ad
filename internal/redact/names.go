package redact

import "strings"

// IsSecretName reports whether a header, query key, form field or JSON key names a secret, by its words rather
// than by a list of names: the name is split into words (at punctuation and at camelCase humps) and its last
// word, the noun the name is about, is looked at:
//
//   - a secret word, or a word ending in one (run together, as in "apikey" or "accesstoken"): token, secret,
//     password (passwd, passphrase, pwd), key, signature (sig), assertion, credential, session, auth,
//     authorization, cookie, verifier; a plural counts ("credentials"), except a bare "keys" (the keys of an
//     ordinary object, a JWKS's public keys);
//   - "id" after a session word ("session_id", "JSESSIONID", "PHPSESSID");
//   - "code" after an auth word ("auth_code", "authorization_code"), and the OAuth 2.0 "code" alone.
//
// So "X-Auth-Token", "Private-Token", "X-Amz-Security-Token", "Api-Key", "apikey", "x-amz-signature",
// "client_assertion", "auth" and "sessionid" are secret; "Content-Type", "token_type", "expires_in",
// "client_assertion_type", "key_id", "public_key", "password_changed_at", "keys" and "monkey" are not.
// Comparison ignores case. The leak scanner ([Scan]) uses the same definition.
func IsSecretName(name string) bool {
	last, prev, n := lastWords(name)
	if n == 0 {
		return false
	}
	switch {
	case strings.EqualFold(name, "code"):
		return true
	case n == 1 && strings.EqualFold(last, "keys"):
		return false
	case strings.EqualFold(last, "id") || strings.EqualFold(last, "ids"):
		return hasSuffixFold(prev, "session")
	case strings.EqualFold(last, "code"):
		return hasSuffixFold(prev, "auth") || strings.EqualFold(prev, "authorization") || strings.EqualFold(prev, "otp") ||
			strings.EqualFold(prev, "mfa") || strings.EqualFold(prev, "verification")
	case strings.EqualFold(prev, "public") && isKeyWord(last):
		return false
	}
	if hasSuffixFold(last, "sessionid") || hasSuffixFold(last, "sessid") {
		return true
	}
	if len(last) > 1 && (last[len(last)-1] == 's' || last[len(last)-1] == 'S') && secretWord(last[:len(last)-1]) {
		return true
	}
	return secretWord(last)
}

// secretWords are the nouns that name a secret; a word ending in one ("apikey", "xsrftoken") names one too.
var secretWords = []string{"token", "secret", "password", "passwd", "passphrase", "signature", "assertion",
	"credential", "session", "auth", "authorization", "cookie", "verifier", "key"}

// notSecretKeyWords end in "key" and name no key.
var notSecretKeyWords = []string{"monkey", "donkey", "turkey", "hockey", "jockey", "whiskey", "hotkey"}

// exactSecretWords name a secret only as whole words (as suffixes they end ordinary words: "wordpass").
var exactSecretWords = []string{"pwd", "sig", "pass", "otp"}

func secretWord(w string) bool {
	for _, s := range exactSecretWords {
		if strings.EqualFold(w, s) {
			return true
		}
	}
	for _, s := range secretWords {
		if hasSuffixFold(w, s) {
			if s == "key" {
				return isKeyWord(w)
			}
			return true
		}
	}
	return false
}

func isKeyWord(w string) bool {
	if !hasSuffixFold(w, "key") {
		return false
	}
	for _, s := range notSecretKeyWords {
		if hasSuffixFold(w, s) {
			return false
		}
	}
	return true
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// lastWords returns the last two words of name (prev is "" when there is one) and the number of words, up to 2.
// Words are runs of letters and digits; an upper-case letter after a lower-case one starts a new word.
func lastWords(name string) (last, prev string, n int) {
	end := len(name)
	for n < 2 {
		for end > 0 && !isAlnum(name[end-1]) {
			end--
		}
		if end == 0 {
			break
		}
		start := end - 1
		for start > 0 && isAlnum(name[start-1]) && !(isUpper(name[start]) && isLower(name[start-1])) {
			start--
		}
		if n == 0 {
			last = name[start:end]
		} else {
			prev = name[start:end]
		}
		n++
		end = start
	}
	return last, prev, n
}

func isAlnum(c byte) bool { return isLower(c) || isUpper(c) || ('0' <= c && c <= '9') }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
