module github.com/fullsession/fullsession/clientsession/migrate

go 1.26.0

require (
	github.com/alexedwards/scs/goredisstore v0.0.0-20250212122300-421ef1d8611c
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/fullsession/fullsession v0.0.0
	github.com/fullsession/fullsession/internal/testkit v0.0.0-00010101000000-000000000000
	github.com/gorilla/securecookie v1.1.2
	github.com/gorilla/sessions v1.4.0
	github.com/redis/go-redis/v9 v9.23.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/fullsession/fullsession => ../..

replace github.com/fullsession/fullsession/internal/testkit => ../../internal/testkit
