package demo

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(42), Generate(42)
	assert.Equal(t, a, b)
	assert.NotEqual(t, Generate(42), Generate(43))
	for id := int64(1); id <= 500; id++ {
		p := Generate(id)
		_, ok := City(p.City)
		require.True(t, ok, p.City)
		_, ok = Type(p.Type)
		require.True(t, ok, p.Type)
		require.Positive(t, p.Rooms)
		require.GreaterOrEqual(t, p.Surface, 14)
		require.GreaterOrEqual(t, p.Price, int64(10_000))
		require.Contains(t, Statuses, p.Status)
		require.Contains(t, p.Description, p.City)
	}
}

func TestCityAndTypeIgnoreCase(t *testing.T) {
	for in, want := range map[string]string{"Paris": "Paris", "paris": "Paris", "PARIS": "Paris", "montpellier": "Montpellier"} {
		got, ok := City(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for in, want := range map[string]string{"apartment": "apartment", "Apartment": "apartment", "VILLA": "villa"} {
		got, ok := Type(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "Atlantis", "Paris ", "Pari", "<script>", "Zürich", "paris\x00"} {
		_, ok := City(bad)
		assert.False(t, ok, "%q", bad)
		_, ok = Type(bad)
		assert.False(t, ok, "%q", bad)
	}
}

func TestNextStatus(t *testing.T) {
	assert.Equal(t, StatusUnderOffer, NextStatus(StatusAvailable, 0))
	assert.Equal(t, StatusSold, NextStatus(StatusUnderOffer, 2))
	assert.Equal(t, StatusAvailable, NextStatus(StatusUnderOffer, 3))
	assert.Equal(t, StatusAvailable, NextStatus(StatusSold, 0))
}

func TestMarketChanges(t *testing.T) {
	m := NewMarket()
	prices, statuses := 0, 0
	for range 1000 {
		c := m.Next(50)
		require.GreaterOrEqual(t, c.ID, int64(1))
		require.LessOrEqual(t, c.ID, int64(50))
		price, status := c.Apply(300_000, StatusAvailable)
		switch {
		case price != 300_000:
			prices++
			assert.Equal(t, StatusAvailable, status)
			assert.InDelta(t, 300_000, price, 300_000*0.05+1)
			assert.Zero(t, price%1000, "prices move in steps of 1,000")
		case status != StatusAvailable:
			statuses++
		}
	}
	assert.Greater(t, prices, 700, "mostly price changes")
	assert.Greater(t, statuses, 50, "some status changes")
	p, _ := Change{roll: 99, pct: 5, down: true}.Apply(1000, StatusSold)
	assert.Equal(t, int64(2000), p, "a cheap property never falls below 1,000")
}

func TestPictureIsSVG(t *testing.T) {
	for id := int64(1); id <= 50; id++ {
		p := Generate(id)
		var a, b bytes.Buffer
		WritePicture(&a, p.ID, p.Type, p.Rooms)
		WritePicture(&b, p.ID, p.Type, p.Rooms)
		require.Equal(t, a.String(), b.String(), "deterministic")
		d := xml.NewDecoder(&a)
		for {
			_, err := d.Token()
			if err != nil {
				require.Equal(t, "EOF", err.Error(), "well-formed XML, property %d", id)
				break
			}
		}
	}
}
