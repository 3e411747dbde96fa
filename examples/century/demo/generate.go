// generate.go makes up the properties, deterministically.

// Package demo makes up the century site's data: 100,000 deterministic
// properties (Generate), their pictures (WritePicture) and a real estate
// market that keeps changing prices and statuses (Market). Nothing in it
// knows about sessions or caches; a real site would replace it with its own
// database and back office.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Seed fixes the generated data set: property N is the same on every
// machine and for every -count, because each property draws from its own
// PRNG stream seeded with (Seed, N).
const Seed = 0x63656e7475727921 // "century!"

// city is a generation input: where properties are, and what a square metre
// costs there (in euros, roughly).
type city struct {
	Name      string
	PerM2     int
	Districts []string
}

var cities = []city{
	{"Paris", 10500, []string{"Marais", "Montmartre", "Batignolles", "Belleville", "Saint-Germain", "Bastille", "Passy", "Butte-aux-Cailles"}},
	{"Lyon", 5200, []string{"Presqu'île", "Croix-Rousse", "Vieux Lyon", "Part-Dieu", "Confluence", "Monplaisir"}},
	{"Marseille", 3700, []string{"Le Panier", "Vieux-Port", "Endoume", "La Joliette", "Castellane", "Les Goudes"}},
	{"Bordeaux", 4900, []string{"Chartrons", "Saint-Pierre", "Bastide", "Caudéran", "Saint-Michel"}},
	{"Lille", 3600, []string{"Vieux-Lille", "Wazemmes", "Vauban", "Fives", "Saint-Maurice"}},
	{"Nantes", 3900, []string{"Bouffay", "Île de Nantes", "Chantenay", "Doulon", "Graslin"}},
	{"Toulouse", 3800, []string{"Capitole", "Carmes", "Saint-Cyprien", "Minimes", "Rangueil"}},
	{"Nice", 5300, []string{"Vieux-Nice", "Cimiez", "Port", "Musiciens", "Mont Boron"}},
	{"Strasbourg", 3800, []string{"Petite France", "Krutenau", "Neudorf", "Orangerie", "Robertsau"}},
	{"Rennes", 4000, []string{"Centre", "Thabor", "Sainte-Thérèse", "Bréquigny", "Beauregard"}},
	{"Montpellier", 3900, []string{"Écusson", "Antigone", "Boutonnet", "Port Marianne", "Arceaux"}},
}

// propertyType is a generation input: a kind of home and its usual size.
type propertyType struct {
	Name                 string
	MinRooms, MaxRooms   int
	MinM2PerRoom, MaxM2R int
	Factor               float64 // price per m² relative to the city's
}

var propertyTypes = []propertyType{
	{"studio", 1, 1, 14, 32, 1.15},
	{"apartment", 2, 5, 14, 26, 1.0},
	{"loft", 2, 4, 28, 45, 1.2},
	{"house", 3, 8, 18, 30, 0.9},
	{"villa", 5, 10, 25, 40, 1.35},
}

// Statuses a property can have; the Market moves properties between them.
const (
	StatusAvailable  = "available"
	StatusUnderOffer = "under offer"
	StatusSold       = "sold"
)

// Statuses lists every status.
var Statuses = []string{StatusAvailable, StatusUnderOffer, StatusSold}

// Property is one generated listing.
type Property struct {
	ID          int64
	City        string
	District    string
	Type        string
	Rooms       int
	Surface     int // m²
	Price       int64
	Status      string
	Description string
}

// Cities and Types list the search form's choices, in display order.
func Cities() []string {
	out := make([]string, len(cities))
	for i, c := range cities {
		out[i] = c.Name
	}
	return out
}

// Types lists the property types, in display order (lower case).
func Types() []string {
	out := make([]string, len(propertyTypes))
	for i, t := range propertyTypes {
		out[i] = t.Name
	}
	return out
}

// City returns the city named s, compared case-insensitively ("paris",
// "PARIS" and "Paris" are Paris), and reports whether there is one.
func City(s string) (string, bool) {
	for _, c := range cities {
		if strings.EqualFold(c.Name, s) {
			return c.Name, true
		}
	}
	return "", false
}

// Type returns the property type named s, compared case-insensitively, and
// reports whether there is one.
func Type(s string) (string, bool) {
	for _, t := range propertyTypes {
		if strings.EqualFold(t.Name, s) {
			return t.Name, true
		}
	}
	return "", false
}

// Generate returns property id. It depends on id and Seed only: property N
// is the same on every machine and for any number of properties.
func Generate(id int64) Property {
	r := rand.New(rand.NewPCG(Seed, uint64(id)))
	c := cities[r.IntN(len(cities))]
	t := propertyTypes[r.IntN(len(propertyTypes))]
	rooms := t.MinRooms + r.IntN(t.MaxRooms-t.MinRooms+1)
	surface := rooms * (t.MinM2PerRoom + r.IntN(t.MaxM2R-t.MinM2PerRoom+1))
	perM2 := float64(c.PerM2) * t.Factor * (0.75 + 0.5*r.Float64())
	price := int64(perM2*float64(surface)/1000) * 1000
	status := StatusAvailable
	switch x := r.IntN(100); {
	case x < 5:
		status = StatusSold
	case x < 20:
		status = StatusUnderOffer
	}
	p := Property{
		ID:       id,
		City:     c.Name,
		District: c.Districts[r.IntN(len(c.Districts))],
		Type:     t.Name,
		Rooms:    rooms,
		Surface:  surface,
		Price:    price,
		Status:   status,
	}
	p.Description = describe(r, p)
	return p
}

var (
	openers = []string{
		"A bright %s of %d m² in the heart of %s.",
		"Rare on the market: this %s of %d m² in %s.",
		"Quiet %s of %d m², a short walk from the centre of %s.",
		"Character %s of %d m² in a sought-after street of %s.",
		"Renovated %s of %d m² with plenty of light, in %s.",
	}
	features = []string{
		"a south-facing balcony", "parquet floors", "high ceilings", "a fitted kitchen",
		"a cellar", "a private parking space", "a garden", "a terrace with a view",
		"double glazing", "a fireplace", "a lift", "a walk-in wardrobe", "a home office",
		"a bathroom with a window", "exposed beams", "a caretaker",
	}
	closers = []string{
		"Close to schools, shops and public transport.",
		"Ideal for a family or an investment.",
		"To visit without delay.",
		"Low running costs and a well-kept building.",
		"Move-in ready.",
	}
)

func describe(r *rand.Rand, p Property) string {
	var b strings.Builder
	fmt.Fprintf(&b, openers[r.IntN(len(openers))], p.Type, p.Surface, p.District+", "+p.City)
	n := 2 + r.IntN(3)
	picked := r.Perm(len(features))[:n]
	b.WriteString(" It offers ")
	for i, f := range picked {
		switch {
		case i == 0:
		case i == n-1:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(features[f])
	}
	fmt.Fprintf(&b, ", with %d room", p.Rooms)
	if p.Rooms > 1 {
		b.WriteString("s")
	}
	b.WriteString(". ")
	b.WriteString(closers[r.IntN(len(closers))])
	return b.String()
}
