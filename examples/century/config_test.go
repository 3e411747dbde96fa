package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := parseConfig(nil, env(), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", c.Addr, "this machine only by default")
	assert.Equal(t, int64(100_000), c.Count)
	assert.Equal(t, 3.0, c.UpdateRate)
	assert.True(t, c.InsecureCookies)
	assert.True(t, strings.HasSuffix(c.DB, "century.db"), c.DB)
	assert.True(t, c.DevKey, "no keys: a development key")
	require.Len(t, c.Keys, 1)
	assert.Len(t, c.Keys[0], 32)
	c2, _ := parseConfig(nil, env(), io.Discard)
	assert.NotEqual(t, c.Keys[0], c2.Keys[0], "the development key is random")
	assert.Equal(t, slog.LevelInfo, c.LogLevel)
}

func TestConfigEnvAndFlags(t *testing.T) {
	k1 := bytes.Repeat([]byte{1}, 32)
	k2 := bytes.Repeat([]byte{2}, 48)
	e := env(
		"CENTURY_ADDR", "127.0.0.1:9000",
		"CENTURY_DB", "/tmp/x.db",
		"CENTURY_SESSION_KEYS", hex.EncodeToString(k1)+", "+base64.RawURLEncoding.EncodeToString(k2),
		"CENTURY_UPDATE_RATE", "0.5",
		"CENTURY_VARNISH_URL", "http://127.0.0.1:6081",
		"CENTURY_COUNT", "2_000",
		"CENTURY_INSECURE_COOKIES", "false",
		"CENTURY_TRUSTED_PROXIES", "127.0.0.1/32, ::1/128",
		"CENTURY_LOG_LEVEL", "warn",
	)
	c, err := parseConfig(nil, e, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9000", c.Addr)
	assert.Equal(t, "/tmp/x.db", c.DB)
	assert.Equal(t, [][]byte{k1, k2}, c.Keys)
	assert.False(t, c.DevKey)
	assert.Equal(t, 0.5, c.UpdateRate)
	assert.Equal(t, "http://127.0.0.1:6081", c.VarnishURL)
	assert.Equal(t, int64(2000), c.Count)
	assert.False(t, c.InsecureCookies)
	assert.Equal(t, []string{"127.0.0.1/32", "::1/128"}, c.TrustedProxies)
	assert.Equal(t, slog.LevelWarn, c.LogLevel)

	// Flags win over the environment.
	c, err = parseConfig([]string{"-addr", ":1", "-count", "5", "-keys", base64.StdEncoding.EncodeToString(k2),
		"-update-rate=0", "-insecure-cookies", "-varnish="}, e, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, ":1", c.Addr)
	assert.Equal(t, int64(5), c.Count)
	assert.Equal(t, [][]byte{k2}, c.Keys)
	assert.Equal(t, 0.0, c.UpdateRate)
	assert.True(t, c.InsecureCookies)
	assert.Empty(t, c.VarnishURL)
}

func TestConfigErrors(t *testing.T) {
	short := hex.EncodeToString(make([]byte, 16))
	for name, tc := range map[string]struct {
		args []string
		env  func(string) string
		want string
	}{
		"short key":     {[]string{"-keys", short}, env(), "secret 1 decodes to 16 bytes, need at least 32"},
		"empty part":    {[]string{"-keys", hex.EncodeToString(make([]byte, 32)) + ",,"}, env(), "secret 2 is empty"},
		"bad key":       {[]string{"-keys", "not hex!"}, env(), "neither hex nor base64"},
		"bad env rate":  {nil, env("CENTURY_UPDATE_RATE", "fast"), "CENTURY_UPDATE_RATE"},
		"negative rate": {[]string{"-update-rate", "-1"}, env(), "-update-rate"},
		"zero count":    {[]string{"-count", "0"}, env(), "-count"},
		"bad varnish":   {[]string{"-varnish", "ftp://x"}, env(), "-varnish"},
		"bad proxy":     {[]string{"-trusted-proxies", "10.0.0.1"}, env(), "CIDR"},
		"unknown flag":  {[]string{"-nope"}, env(), "usage"},
		"extra args":    {[]string{"serve"}, env(), "unexpected arguments"},
		"bad log level": {nil, env("CENTURY_LOG_LEVEL", "loud"), "CENTURY_LOG_LEVEL"},
		"empty db":      {[]string{"-db", ""}, env(), "-db"},
	} {
		_, err := parseConfig(tc.args, tc.env, io.Discard)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.want, name)
	}
}

func TestConfigHelpHidesKeys(t *testing.T) {
	var out bytes.Buffer
	secret := hex.EncodeToString(bytes.Repeat([]byte{0xab}, 32))
	_, err := parseConfig([]string{"-h"}, env("CENTURY_SESSION_KEYS", secret), &out)
	assert.ErrorIs(t, err, errUsage)
	assert.Contains(t, out.String(), "CENTURY_SESSION_KEYS")
	assert.NotContains(t, out.String(), secret, "-h must not print the secret")
	n := 0
	for name, env := range envOf {
		assert.Contains(t, out.String(), "-"+name, "every environment variable belongs to a flag")
		assert.Contains(t, out.String(), "(env "+env+")")
		n++
	}
	assert.Equal(t, n, strings.Count(out.String(), "(env "), "every flag has an environment variable")
}
