package harness_test

import (
	"testing"

	"github.com/fullsession/fullsession/bench/internal/harness"
)

func TestFixture(t *testing.T) {
	a, b := harness.Fixture(), harness.Fixture()
	if !a.Equal(b) {
		t.Fatal("Fixture differs between calls")
	}
	if len(a.Selection) != 20 || len(a.CSRF) != 32 || a.User.Name == "" || a.LastSearch.City == "" {
		t.Fatalf("Fixture is not the six-key session of issue 6: %+v", a)
	}
	for _, id := range a.Selection {
		if id < 1 || id > 100_000 {
			t.Fatalf("selection id %d outside 1..100000", id)
		}
	}
	c := harness.FixtureFor(7)
	if c.Equal(a) || c.AuthUserID != 7 || c.CSRF == a.CSRF {
		t.Fatalf("FixtureFor(7) is not distinct from Fixture(): %+v", c)
	}
	c.Lang = "en"
	if c.Equal(harness.FixtureFor(7)) {
		t.Fatal("Equal ignores Lang")
	}
}
