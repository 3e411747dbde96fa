package fleet_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fullsession/fullsession/cachehint/varnish"
	"github.com/fullsession/fullsession/examples/century/fleet"
)

func TestVCL(t *testing.T) {
	vcl, err := fleet.VCL([]string{"127.0.0.1:8081", "127.0.0.1:8082", "[::1]:8083"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`.host = "127.0.0.1";`, `.port = "8082";`, `.host = "::1";`,
		"origins.add_backend(origin_1);", "origins.add_backend(origin_3);", `.url = "/healthz";`,
	} {
		if !strings.Contains(vcl, want) {
			t.Errorf("missing %q", want)
		}
	}
	if !strings.HasPrefix(vcl, "vcl 4.1;\n") || strings.Count(vcl, "vcl 4.1;") != 1 {
		t.Error("one version line, first")
	}
	if !strings.HasSuffix(vcl, strings.TrimPrefix(varnish.DefaultVCL, "vcl 4.1;\n")) {
		t.Error("cachehint's VCL is not the base")
	}
	if strings.Index(vcl, "sub vcl_recv") > strings.Index(vcl, "call cachehint_purge") {
		t.Error("the director's vcl_recv must come before cachehint's, which returns")
	}
	for _, bad := range [][]string{nil, {"8081"}, {"127.0.0.1"}, {"127.0.0.1:0"}, {"127.0.0.1:99999"}, {`a";}:80`}, {":80"}} {
		if _, err := fleet.VCL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func ExampleVCL() {
	vcl, err := fleet.VCL([]string{"127.0.0.1:8081", "127.0.0.1:8082"})
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Count(vcl, ".probe = century_healthz;"))
	// Output: 2
}
