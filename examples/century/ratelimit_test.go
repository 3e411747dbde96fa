// ratelimit_test.go checks the login limits an attacker would try to dodge:
// many IPv6 addresses of one /64, many addresses against one account, and
// usernames long enough to flood the log.
package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRateLimitGroupsIPv6By64(t *testing.T) {
	s := newTestSite(t, siteConfig{LoginLimit: 2, AccountLimit: 1000})
	form := url.Values{"username": {"ann"}, "password": {"nope"}}
	codes := []int{}
	for _, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:aaaa::3", "2001:db8:1:2:ffff:ffff:ffff:ffff"} {
		s.remoteIP = "[" + ip + "]"
		codes = append(codes, s.do("POST", "/login", "", form).Code)
	}
	assert.Equal(t, []int{401, 401, 429, 429}, codes, "four addresses of one /64 share one budget")
	s.remoteIP = "[2001:db8:1:3::1]"
	assert.Equal(t, http.StatusUnauthorized, s.do("POST", "/login", "", form).Code, "another /64 has its own")
}

func TestRateLimitPerAccount(t *testing.T) {
	s := newTestSite(t, siteConfig{LoginLimit: 1000, AccountLimit: 3})
	// Successful logins are never counted.
	for i := range 5 {
		s.remoteIP = "192.0.2.10" + string(rune('0'+i))
		assert.Equal(t, http.StatusSeeOther, s.do("POST", "/login", "", url.Values{"username": {"ann"}, "password": {"demo"}}).Code)
	}
	for i, name := range []string{"ann", "ANN", " Ann ", "ann"} {
		s.remoteIP = "192.0.2." + string(rune('1'+i))
		w := s.do("POST", "/login", "", url.Values{"username": {name}, "password": {"nope"}})
		want := http.StatusUnauthorized
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		assert.Equal(t, want, w.Code, "failed attempt %d from a new address, as %q", i+1, name)
	}
	s.remoteIP = "192.0.2.8"
	assert.Equal(t, http.StatusTooManyRequests,
		s.do("POST", "/login", "", url.Values{"username": {"ann"}, "password": {"demo"}}).Code,
		"the right password is not tried once the account is over its failures")
	s.remoteIP = "192.0.2.9"
	assert.Equal(t, http.StatusUnauthorized,
		s.do("POST", "/login", "", url.Values{"username": {"bruno"}, "password": {"nope"}}).Code,
		"another account is not limited")
}

func TestFailedLoginUsernameIsTruncatedInTheLog(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	long := strings.Repeat("é", 5000) // 10,000 bytes
	s.do("POST", "/login", "", url.Values{"username": {long}, "password": {"nope"}})
	logs := s.logs.String()
	assert.Contains(t, logs, "login failed")
	assert.Contains(t, logs, "username_bytes=10000")
	assert.NotContains(t, logs, strings.Repeat("é", 33), "at most 64 bytes of the name are logged")
	assert.Contains(t, logs, strings.Repeat("é", 32))
}
