package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

var colors = map[string]string{
	"clientsession": "#2b7bb9",
	"gorilla":       "#e08a2c",
	"scs-mem":       "#7a9a3a",
	"scs-redis":     "#b03a48",
	"none":          "#9a9a9a",
}

// panel is one horizontal grouped bar chart.
type panel struct {
	title  string
	groups []string
	series []string
	values [][]float64 // [group][series]; NaN: missing
	log    bool
	label  func(float64) string
}

const (
	chartWidth = 900
	labelWidth = 190
	barArea    = 560
	rowHeight  = 18
	groupGap   = 26
)

func (p panel) height() int {
	return 34 + len(p.groups)*(len(p.series)*rowHeight+groupGap) + 22
}

// scale maps a value to a bar length.
func (p panel) scale() func(float64) float64 {
	lo, hi := math.Inf(1), 0.0
	for _, g := range p.values {
		for _, v := range g {
			if v > 0 && !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if hi == 0 {
		return func(float64) float64 { return 0 }
	}
	if !p.log {
		return func(v float64) float64 { return v / hi * barArea }
	}
	l0 := math.Floor(math.Log10(lo))
	l1 := math.Ceil(math.Log10(hi))
	if l1 == l0 {
		l1++
	}
	return func(v float64) float64 {
		if v <= 0 {
			return 0
		}
		return math.Max(2, (math.Log10(v)-l0)/(l1-l0)*barArea)
	}
}

func (p panel) svg(y0 int) string {
	var b strings.Builder
	f := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	f(`<text x="10" y="%d" class="title">%s</text>`+"\n", y0+20, html.EscapeString(p.title))
	sc := p.scale()
	y := y0 + 34
	for gi, g := range p.groups {
		f(`<text x="10" y="%d" class="group">%s</text>`+"\n", y+12, html.EscapeString(g))
		y += 16
		for si, s := range p.series {
			v := p.values[gi][si]
			if math.IsNaN(v) {
				continue
			}
			w := sc(v)
			f(`<text x="%d" y="%d" class="label" text-anchor="end">%s</text>`, labelWidth-8, y+13, html.EscapeString(s))
			f(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`, labelWidth, y+2, w, rowHeight-4, colors[s])
			f(`<text x="%.1f" y="%d" class="value">%s</text>`+"\n", float64(labelWidth)+w+6, y+13, html.EscapeString(p.label(v)))
			y += rowHeight
		}
		y += groupGap - 16
	}
	return b.String()
}

func chart(in *inputs) string {
	nan := math.NaN()
	get := func(s samples, name, unit string) float64 {
		if v, ok := s.median(name, unit); ok {
			return v
		}
		return nan
	}
	microLibs := []string{"clientsession", "gorilla", "scs-mem", "scs-redis"}
	micro := panel{
		title:  "Micro benchmarks: time per request (log scale, shorter is better)",
		groups: []string{"read (user + _auth_user_id)", "write (change lang)", "cold (no cookies)"},
		series: microLibs, log: true, label: dur,
	}
	for _, req := range []string{"read", "write", "cold"} {
		row := make([]float64, len(microLibs))
		for i, lib := range microLibs {
			row[i] = get(in.micro, microName(req, lib), "ns/op")
		}
		micro.values = append(micro.values, row)
	}
	bytesPanel := panel{
		title:  "Bytes on the wire per request (shorter is better)",
		groups: []string{"Cookie request header", "Set-Cookie on write"},
		series: microLibs, label: func(v float64) string { return fmt.Sprintf("%.0f B", v) },
	}
	ck, setc := make([]float64, len(microLibs)), make([]float64, len(microLibs))
	for i, lib := range microLibs {
		ck[i] = get(in.micro, microName("read", lib), "cookie-B/op")
		setc[i] = get(in.micro, microName("write", lib), "setcookie-B/op")
	}
	bytesPanel.values = [][]float64{ck, setc}
	e2e := panel{
		title:  "End to end: requests/s of the same chi app (longer is better)",
		groups: []string{"page reading the session", "page writing the session"},
		series: apps, label: func(v float64) string { return fmt.Sprintf("%.0f req/s", v) },
	}
	for _, page := range pages {
		row := make([]float64, len(apps))
		for i, app := range apps {
			row[i] = get(in.e2e, e2eName(page, app), "req/s")
		}
		e2e.values = append(e2e.values, row)
	}
	panels := []panel{micro, bytesPanel, e2e}
	h := 0
	for _, p := range panels {
		h += p.height()
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n", chartWidth, h, chartWidth, h)
	b.WriteString(`<style>.title{font-size:15px;font-weight:bold}.group{font-size:12px;font-weight:bold;fill:#333}.label{font-size:12px;fill:#333}.value{font-size:11px;fill:#333}</style>` + "\n")
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", chartWidth, h)
	y := 0
	for _, p := range panels {
		b.WriteString(p.svg(y))
		y += p.height()
	}
	b.WriteString("</svg>\n")
	return b.String()
}
