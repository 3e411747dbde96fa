package main

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/clientsession"
)

// TestInABrowser walks the app as a browser would: a cookie jar, forms.
func TestInABrowser(t *testing.T) {
	secret := make([]byte, 32)
	rand.Read(secret)
	m, err := clientsession.New(clientsession.Options{Keys: [][]byte{secret}, Insecure: true,
		Protection: map[string]clientsession.Protection{"user": clientsession.Signed}})
	require.NoError(t, err)
	srv := httptest.NewServer(http.NewCrossOriginProtection().Handler(routes(m)))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		resp, err := c.Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	post := func(path string, form url.Values) (int, string) {
		resp, err := c.PostForm(srv.URL+path, form)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}

	code, body := get("/")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `Hello, stranger. <a href="/login">`)
	code, body = get("/login")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `<form method="post" action="/login">`)
	assert.Contains(t, body, `name="name"`)

	code, body = post("/login", url.Values{"name": {""}})
	assert.Equal(t, 400, code)
	assert.Contains(t, body, "Tell us your name.")
	code, body = post("/login", url.Values{"name": {strings.Repeat("x", 5000)}})
	assert.Equal(t, 400, code, "Set's ErrTooLarge is handled")
	assert.Contains(t, body, "That name is too long.")
	u, _ := url.Parse(srv.URL)
	assert.Empty(t, jar.Cookies(u), "nothing was set")

	code, body = post("/login", url.Values{"name": {"Ann <b>"}})
	assert.Equal(t, 200, code)
	assert.Contains(t, body, "Hello, Ann &lt;b&gt;.")
	assert.Contains(t, body, `action="/logout"`)
	assert.Len(t, jar.Cookies(u), 2, "user and _auth_user_id")

	code, body = post("/logout", nil)
	assert.Equal(t, 200, code)
	assert.Contains(t, body, "Hello, stranger.")
	assert.Empty(t, jar.Cookies(u), "logout deleted the cookies")

	// A cross-site form POST is refused.
	req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader("name=Eve"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

// TestREADMEShowsThisFile: the root README's quick start is this program.
func TestREADMEShowsThisFile(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)## Quick start\n\n```go\n(.*?)```").FindSubmatch(readme)
	require.NotNil(t, m, "README has a Quick start Go block")
	assert.Equal(t, string(src), string(m[1]), "README's Quick start must be examples/quickstart/main.go")
}
