// picture.go draws the placeholder picture of a property.

package demo

import (
	"fmt"
	"io"
	"math/rand/v2"
)

// WritePicture draws the placeholder picture of a property as SVG: a sky,
// a building shaped after the property type, one lit window per room. It
// depends on the id, type and rooms only, which never change, so it can be
// cached for long.
func WritePicture(w io.Writer, id int64, typ string, rooms int) {
	r := rand.New(rand.NewPCG(Seed^0x5ec7, uint64(id)))
	hue := r.IntN(360)
	wall := fmt.Sprintf("hsl(%d,35%%,%d%%)", (hue+180)%360, 62+r.IntN(18))
	roof := fmt.Sprintf("hsl(%d,45%%,32%%)", (hue+20)%360)
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 400" width="600" height="400" role="img" aria-label="Property %d">`, id)
	fmt.Fprintf(w, `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(%d,70%%,78%%)"/><stop offset="1" stop-color="hsl(%d,60%%,92%%)"/></linearGradient></defs>`, hue, (hue+30)%360)
	fmt.Fprint(w, `<rect width="600" height="400" fill="url(#sky)"/>`)
	fmt.Fprintf(w, `<circle cx="%d" cy="%d" r="34" fill="#fff6c9" opacity=".9"/>`, 60+r.IntN(480), 50+r.IntN(50))
	fmt.Fprint(w, `<rect y="330" width="600" height="70" fill="#8fb67a"/>`)

	// Building size: houses are wide and low, flats tall and narrow.
	var floors, cols int
	switch typ {
	case "apartment", "studio", "loft":
		floors = 3 + r.IntN(3)
		cols = 3
	default:
		floors = 1 + (rooms-1)/4
		cols = min(max(rooms, 2), 4)
	}
	bw, bh := 60+cols*70, floors*52+24
	x, y := (600-bw)/2, 330-bh
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#3b3b3b" stroke-width="2"/>`, x, y, bw, bh, wall)
	if typ == "house" || typ == "villa" {
		fmt.Fprintf(w, `<polygon points="%d,%d %d,%d %d,%d" fill="%s"/>`, x-20, y, x+bw/2, y-90, x+bw+20, y, roof)
	} else {
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="12" fill="%s"/>`, x-8, y-12, bw+16, roof)
	}
	lit := rooms
	for f := range floors {
		for c := range cols {
			fill := "#dfe9f3"
			if lit > 0 && r.IntN(3) > 0 {
				fill, lit = "#ffd766", lit-1
			}
			fmt.Fprintf(w, `<rect x="%d" y="%d" width="36" height="32" fill="%s" stroke="#3b3b3b"/>`, x+40+c*70, y+20+f*52, fill)
		}
	}
	fmt.Fprintf(w, `<text x="20" y="385" font-family="sans-serif" font-size="22" fill="#fff">#%d</text></svg>`, id)
}
