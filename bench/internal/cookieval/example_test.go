package cookieval_test

import (
	"fmt"

	"github.com/fullsession/fullsession/bench/internal/cookieval"
)

func Example() {
	// What jsclient writes for session.set("selection", [12, 345]):
	fmt.Println(cookieval.EncodePublic([]byte(`[12,345]`)))
	json, _ := cookieval.DecodePublic("[12%2C345]")
	fmt.Println(string(json))
	// Output:
	// [12%2C345]
	// [12,345]
}
