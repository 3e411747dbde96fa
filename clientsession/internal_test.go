// internal_test.go holds helpers for the package's internal tests that
// production code does not need.
package clientsession

import "encoding/json"

// decodePublic reads a Public cookie value and checks that it is JSON, as
// a reader that does not go on to json.Unmarshal would have to.
func decodePublic(dst []byte, v string) ([]byte, []byte, error) {
	dst, js, err := unescapePublic(dst, v)
	if err != nil {
		return dst, nil, err
	}
	if !json.Valid(js) {
		return dst[:len(dst)-len(js)], nil, errJSON
	}
	return dst, js, nil
}
