// faststruct.go holds the fast path of Get for flat structs: JSON objects
// of strings, integers and booleans, decoded into a struct without
// encoding/json, with its exact semantics or not at all.

package clientsession

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// structPlan is how fastStruct fills one struct type: the fields
// encoding/json would match, by their JSON names. A nil plan means the
// type always goes to encoding/json.
type structPlan struct {
	fields []planField
}

type planField struct {
	name  string // the JSON name: ASCII letters, digits and '_'
	index int
	kind  reflect.Kind
}

// maxPlanFields bounds both the fields of a planned struct and the
// members of an object fastStruct decodes (duplicates included).
const maxPlanFields = 16

var plans sync.Map // reflect.Type -> *structPlan (nil: not eligible)

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	numberType          = reflect.TypeFor[json.Number]()
)

func planFor(t reflect.Type) *structPlan {
	if p, ok := plans.Load(t); ok {
		return p.(*structPlan)
	}
	p := makePlan(t)
	plans.Store(t, p)
	return p
}

// custom reports whether encoding/json would call a method of t to decode
// it, rather than its kind's default decoding.
func custom(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(unmarshalerType) || t.Implements(textUnmarshalerType) ||
		pt.Implements(unmarshalerType) || pt.Implements(textUnmarshalerType)
}

// makePlan returns the plan of struct type t, or nil when anything about
// t could make encoding/json do more than assign plain values to fields
// matched by their exact names: embedded fields, ",string" options,
// custom unmarshalers, names that differ only by case or are not plain
// ASCII, or other field kinds.
func makePlan(t reflect.Type) *structPlan {
	if custom(t) || t.NumField() > maxPlanFields {
		return nil
	}
	p := &structPlan{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return nil
		}
		if !f.IsExported() {
			continue // encoding/json ignores it
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",string,") {
			return nil
		}
		if name == "" {
			name = f.Name
		}
		if !plainName(name) || custom(f.Type) || f.Type == numberType {
			return nil // json.Number checks its strings are numbers
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Bool,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return nil
		}
		for _, g := range p.fields {
			if strings.EqualFold(g.name, name) {
				return nil // encoding/json's conflict and case rules apply
			}
		}
		p.fields = append(p.fields, planField{name: name, index: i, kind: f.Type.Kind()})
	}
	return p
}

// plainName reports whether name is non-empty and only ASCII letters,
// digits and '_': encoding/json takes such a tag as it is, and folds it
// by ASCII case only.
func plainName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// member is one decoded "name": value pair, waiting to be assigned.
type member struct {
	f   *planField
	raw []byte // string contents, or the literal
	n   int64  // integers
	u   uint64
	b   bool
}

// fastStruct decodes js into v, a non-nil pointer to a struct with a
// plan, when js is one JSON object whose every name matches a field
// exactly and whose every value is a string without escapes, an integer
// that fits its field, or a boolean, for a field of that kind. It
// assigns nothing and reports false otherwise, including every input on
// which json.Unmarshal would fail, so the caller's fallback to it sees v
// untouched. When it reports true, v holds what json.Unmarshal leaves.
func fastStruct(js []byte, v any) bool {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return false
	}
	sv := rv.Elem()
	p := planFor(sv.Type())
	if p == nil {
		return false
	}
	var ms [maxPlanFields]member
	n, ok := p.parse(js, sv, &ms)
	if !ok {
		return false
	}
	for i := range n {
		m := &ms[i]
		fv := sv.Field(m.f.index)
		switch m.f.kind {
		case reflect.String:
			fv.SetString(string(m.raw))
		case reflect.Bool:
			fv.SetBool(m.b)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			fv.SetUint(m.u)
		default:
			fv.SetInt(m.n)
		}
	}
	return true
}

func skipSpace(js []byte, i int) int {
	for i < len(js) && (js[i] == ' ' || js[i] == '\t' || js[i] == '\n' || js[i] == '\r') {
		i++
	}
	return i
}

// parse reads the object js into ms, checking every value against its
// field (sv gives the integer fields' ranges). It reports the number of
// members and whether js takes the fast path.
func (p *structPlan) parse(js []byte, sv reflect.Value, ms *[maxPlanFields]member) (int, bool) {
	i := skipSpace(js, 0)
	if i == len(js) || js[i] != '{' {
		return 0, false
	}
	i = skipSpace(js, i+1)
	n := 0
	if i < len(js) && js[i] == '}' {
		return 0, skipSpace(js, i+1) == len(js)
	}
	for {
		if n == len(ms) {
			return 0, false
		}
		key, j, ascii, ok := scanString(js, i)
		if !ok || !ascii {
			return 0, false // non-ASCII names may fold onto a field
		}
		f := p.field(key)
		if f == nil {
			return 0, false // unknown, or matching only by case
		}
		i = skipSpace(js, j)
		if i == len(js) || js[i] != ':' {
			return 0, false
		}
		i = skipSpace(js, i+1)
		m := &ms[n]
		m.f = f
		if i, ok = m.value(js, i, sv.Field(f.index)); !ok {
			return 0, false
		}
		n++
		i = skipSpace(js, i)
		if i == len(js) {
			return 0, false
		}
		switch js[i] {
		case ',':
			i = skipSpace(js, i+1)
		case '}':
			return n, skipSpace(js, i+1) == len(js)
		default:
			return 0, false
		}
	}
}

func (p *structPlan) field(key []byte) *planField {
	for k := range p.fields {
		if p.fields[k].name == string(key) {
			return &p.fields[k]
		}
	}
	return nil
}

// scanString reads the JSON string starting at js[i] when it has no
// escapes and no control characters, returning its contents, the index
// after it, and whether it is all ASCII. Non-ASCII contents must be valid
// UTF-8: encoding/json would replace invalid bytes.
func scanString(js []byte, i int) (s []byte, next int, ascii, ok bool) {
	if i == len(js) || js[i] != '"' {
		return nil, 0, false, false
	}
	ascii = true
	for j := i + 1; j < len(js); j++ {
		switch c := js[j]; {
		case c == '"':
			s = js[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false, false
			}
			return s, j + 1, ascii, true
		case c == '\\' || c < 0x20:
			return nil, 0, false, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, 0, false, false
}

// value reads the value at js[i] for field fv into m.
func (m *member) value(js []byte, i int, fv reflect.Value) (int, bool) {
	switch m.f.kind {
	case reflect.String:
		s, next, _, ok := scanString(js, i)
		m.raw = s
		return next, ok
	case reflect.Bool:
		switch {
		case hasLiteral(js[i:], "true"):
			m.b = true
			return i + 4, true
		case hasLiteral(js[i:], "false"):
			m.b = false
			return i + 5, true
		}
		return 0, false
	}
	j := i
	for j < len(js) && (js[j] == '-' || '0' <= js[j] && js[j] <= '9') {
		j++
	}
	if j < len(js) && (js[j] == '.' || js[j] == 'e' || js[j] == 'E') {
		return 0, false // a float: not for an integer field
	}
	switch m.f.kind {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if j > i && js[i] == '-' {
			return 0, false
		}
		n, ok := parseJSONInt64(js[i:j])
		if !ok || fv.OverflowUint(uint64(n)) {
			return 0, false
		}
		m.u = uint64(n)
	default:
		n, ok := parseJSONInt64(js[i:j])
		if !ok || fv.OverflowInt(n) {
			return 0, false
		}
		m.n = n
	}
	return j, true
}

// hasLiteral reports whether js starts with the literal lit, not followed
// by more of a word (such as "truex", which is invalid JSON).
func hasLiteral(js []byte, lit string) bool {
	if len(js) < len(lit) || string(js[:len(lit)]) != lit {
		return false
	}
	if len(js) == len(lit) {
		return true
	}
	c := js[len(lit)]
	return c == ',' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
