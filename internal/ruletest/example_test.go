// Example of the header check the rules table uses.

package ruletest_test

import (
	"fmt"
	"net/http"

	"github.com/fullsession/fullsession/internal/ruletest"
)

func ExampleHasVary() {
	h := http.Header{"Vary": {"Accept-Encoding, Cookie"}}
	fmt.Println(ruletest.HasVary(h, "cookie"), ruletest.HasVary(h, "Origin"))
	// Output: true false
}
