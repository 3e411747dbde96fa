package jar_test

import (
	"fmt"
	"net/http"

	"github.com/fullsession/fullsession/bench/internal/jar"
)

func Example() {
	var j jar.Jar
	resp := http.Header{"Set-Cookie": {"session.lang=%22fr%22; Path=/; Max-Age=1209600"}}
	j.Update(resp)
	j.Set("session.theme", "%22dark%22") // as a page script would
	fmt.Println(j.Header())
	// Output: session.lang=%22fr%22; session.theme=%22dark%22
}
