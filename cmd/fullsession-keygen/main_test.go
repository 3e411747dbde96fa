package main

import (
	"strings"
	"testing"

	"github.com/fullsession/fullsession/clientsession"
)

func TestKeysParseAndDiffer(t *testing.T) {
	out := keys(3)
	ks, err := clientsession.ParseKeys(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 3 || len(strings.Split(out, ",")[0]) != 64 {
		t.Fatalf("keys(3) = %q", out)
	}
	for i, k := range ks {
		if len(k) != 32 {
			t.Errorf("secret %d is %d bytes", i, len(k))
		}
	}
	if a, b := keys(1), keys(1); string(ks[0]) == string(ks[1]) || a == b {
		t.Error("secrets repeat")
	}
	if _, err := clientsession.New(clientsession.Options{Keys: ks}); err != nil {
		t.Error(err)
	}
}
