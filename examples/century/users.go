package main

import (
	"crypto/sha256"
	"crypto/subtle"
)

// demoUser is an account of the demo site. The password of every demo
// account is "demo": the site shows sessions, not account management.
type demoUser struct {
	ID      int64
	Login   string
	Surname string
	Name    string
}

var demoUsers = []demoUser{
	{1, "ann", "Le Gall", "Ann"},
	{2, "bruno", "Martin", "Bruno"},
	{3, "chloe", "Dubois-Marchand", "Chloé"},
	{4, "zoe", "N'Diaye", "Zoë"},
}

var demoPasswordHash = sha256.Sum256([]byte("demo"))

// authenticate returns the account of users with this login and password,
// in time that does not depend on how much of the password matched.
func authenticate(users []demoUser, login, password string) (demoUser, bool) {
	h := sha256.Sum256([]byte(password))
	okPassword := subtle.ConstantTimeCompare(h[:], demoPasswordHash[:]) == 1
	for _, u := range users {
		if u.Login == login && okPassword {
			return u, true
		}
	}
	return demoUser{}, false
}
