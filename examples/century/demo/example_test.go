package demo_test

import (
	"fmt"

	"github.com/fullsession/fullsession/examples/century/demo"
)

func ExampleGenerate() {
	p := demo.Generate(42)
	city, _ := demo.City(p.City)
	fmt.Println(p.ID, city == p.City, p.Price > 0)
	// Output: 42 true true
}

func ExampleMarket() {
	m := demo.NewMarket()
	c := m.Next(100_000)
	price, status := c.Apply(250_000, demo.StatusAvailable)
	fmt.Println(c.ID >= 1, price >= 240_000, status != "")
	// Output: true true true
}
