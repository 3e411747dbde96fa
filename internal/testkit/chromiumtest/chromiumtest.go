// Package chromiumtest starts Debian's headless Chromium for chromedp tests,
// with the flags this project's browser tests agree on and a fresh profile.
//
//	alloc := chromiumtest.Allocator(t, ctx)
//	browser, cancel := chromedp.NewContext(alloc)
//
// Under CI=true a missing Chromium fails the test (go_test.sh installs it);
// elsewhere the test is skipped with a hint.
package chromiumtest

import (
	"context"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path is where Debian's chromium package installs the browser.
const Path = "/usr/bin/chromium"

// Require fails the test under CI=true, and skips it elsewhere, when
// Chromium is not installed.
func Require(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required under CI: %v (go_test.sh installs it)", err)
		}
		t.Skipf("skipping browser test: %v (apt-get install chromium)", err)
	}
}

// Allocator calls Require and returns a chromedp allocator context for a
// headless Chromium with a fresh user-data-dir (removed after the test),
// stopped when the test ends. extra adds flags, such as host resolver rules.
// The flags keep Chromium from calling out to the network, which this
// machine does not have.
func Allocator(t testing.TB, parent context.Context, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	Require(t)
	opts := append(Options(t.TempDir()), extra...)
	alloc, cancel := chromedp.NewExecAllocator(parent, opts...)
	t.Cleanup(cancel)
	return alloc
}

// Options returns the allocator options Allocator uses, with userDataDir as
// the profile directory, for callers that start Chromium outside a test
// (such as browsertest, once per test binary).
func Options(userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Even with background networking off, Chromium looks up
		// accounts.google.com and clients2.google.com: no name resolves
		// but localhost, and IP literals other than 127.0.0.1 are refused.
		chromedp.Flag("host-resolver-rules", HostResolverRules),
		chromedp.UserDataDir(userDataDir),
	}
}

// HostResolverRules is the --host-resolver-rules value of Options. A caller
// that maps a name of its own puts its rule first:
//
//	chromedp.Flag("host-resolver-rules", "MAP app.test 127.0.0.1, "+chromiumtest.HostResolverRules)
const HostResolverRules = "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
