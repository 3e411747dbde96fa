// parsekeys.go holds ParseKeys, which reads secrets given as text, and the
// warning for secrets passed as text where raw bytes are expected.

package clientsession

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// ParseKeys decodes comma-separated secrets for Options.Keys, each written
// in hex or in base64 (standard or URL alphabet, padded or not), as read
// from a flag or an environment variable. Each must decode to at least
// MinKeySize (32) bytes: a 32-character hex string is 16 bytes of
// randomness, not 32. Spaces around each secret are ignored. Errors name
// the secret by position, never by content. Generate a secret with
// `go run github.com/fullsession/fullsession/cmd/fullsession-keygen`.
func ParseKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("clientsession: ParseKeys: secret %d is empty", i+1)
		}
		k, ok := decodeText(part)
		if !ok {
			return nil, fmt.Errorf("clientsession: ParseKeys: secret %d is neither hex nor base64", i+1)
		}
		if len(k) < MinKeySize {
			return nil, fmt.Errorf("clientsession: ParseKeys: secret %d decodes to %d bytes, need at least %d", i+1, len(k), MinKeySize)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("clientsession: ParseKeys: no secret")
	}
	return keys, nil
}

// decodeText decodes hex, else any of the four base64 forms.
func decodeText(s string) ([]byte, bool) {
	if k, err := hex.DecodeString(s); err == nil {
		return k, true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.Strict().DecodeString(s); err == nil {
			return k, true
		}
	}
	return nil, false
}

// textKind returns "hex" or "base64" when secret is made only of that
// encoding's characters and decodes: text mistaken for raw bytes, which
// carries less randomness than its length says. It returns "" otherwise.
func textKind(secret []byte) string {
	isHex, isB64 := true, true
	for _, c := range secret {
		h := '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
		b := h || 'g' <= c && c <= 'z' || 'G' <= c && c <= 'Z' || c == '+' || c == '/' || c == '-' || c == '_' || c == '='
		isHex, isB64 = isHex && h, isB64 && b
	}
	switch _, ok := decodeText(string(secret)); {
	case !ok:
		return ""
	case isHex:
		return "hex"
	case isB64:
		return "base64"
	}
	return ""
}

// warnTextKey warns, without the secret, when Options.Keys[i] looks like
// hex or base64 text.
func warnTextKey(i int, secret []byte) {
	if kind := textKind(secret); kind != "" {
		slog.Warn(fmt.Sprintf("clientsession: Options.Keys[%d] looks like %s text, which carries fewer random bytes than its length; decode it with ParseKeys", i, kind),
			"len", len(secret))
	}
}
